// A node's pool of huge pages of one size (sysfs nodeN/hugepages/hugepages-<size>kB).
namespace Numa.Topology;

/// <summary>One huge page pool of a node: <c>/sys/devices/system/node/nodeN/hugepages/hugepages-&lt;size&gt;kB/</c>
/// <c>nr_hugepages</c> and <c>free_hugepages</c> (Documentation/admin-guide/mm/hugetlbpage.rst).</summary>
/// <param name="PageSizeBytes">Size of one page in bytes (2 MiB, 1 GiB).</param>
/// <param name="Total">Pages reserved in the pool.</param>
/// <param name="Free">Pages not yet in use.</param>
public sealed record HugePagePool(long PageSizeBytes, long Total, long Free);
