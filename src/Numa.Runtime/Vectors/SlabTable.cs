// Fixed-size records addressed by a dense int index, stored in 1 MiB slabs that never move: a record's address
// stays valid while the table grows, so readers need no lock.
using System.Runtime.CompilerServices;

namespace Numa.Vectors;

/// <summary>Records of <see cref="Stride"/> bytes (a multiple of 8; of 64 for vectors) packed into slabs from a
/// <see cref="SlabSource"/>; record <c>i</c> lives in slab <c>i / PerSlab</c>. The division is a multiply by a
/// precomputed reciprocal (Lemire, Kaser, Kurz 2019, "Faster remainder by direct computation"), since the
/// address is computed on every distance evaluation. Growth happens under <see cref="EnsureCapacity"/>'s lock;
/// <see cref="Record"/> is lock-free.</summary>
internal sealed unsafe class SlabTable
{
    private readonly SlabSource _source;
    private readonly ulong _divMagic;            // ⌈2⁶⁴ / PerSlab⌉: (magic × i) >> 64 = i / PerSlab for 32-bit i
    private readonly Lock _growLock = new();
    private nint[] _slabs = new nint[8];         // replaced by a larger copy when full; entries never change
    private int _slabCount;

    public SlabTable(SlabSource source, int stride)
    {
        if (stride <= 0 || stride > SlabSource.SlabBytes)
            throw new ArgumentOutOfRangeException(nameof(stride), stride, $"A record must fit in one {SlabSource.SlabBytes}-byte slab.");
        _source = source;
        Stride = stride;
        PerSlab = SlabSource.SlabBytes / stride;
        _divMagic = ulong.MaxValue / (ulong)PerSlab + 1;
    }

    /// <summary>Bytes per record.</summary>
    public int Stride { get; }

    /// <summary>Records per slab.</summary>
    public int PerSlab { get; }

    /// <summary>Records that fit in the slabs allocated so far.</summary>
    public int Capacity => Volatile.Read(ref _slabCount) * PerSlab;

    /// <summary>Slabs allocated.</summary>
    public int SlabCount => Volatile.Read(ref _slabCount);

    /// <summary>The address of record <paramref name="index"/>, which must be below <see cref="Capacity"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Record(int index)
    {
        ulong slab = Math.BigMul(_divMagic, (uint)index, out _);
        int within = index - (int)slab * PerSlab;
        nint[] slabs = Volatile.Read(ref _slabs);
        return (byte*)Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(slabs), (nint)slab) + (nint)within * Stride;
    }

    /// <summary>Allocates slabs until record <paramref name="index"/> exists.</summary>
    public void EnsureCapacity(int index)
    {
        if (index < Capacity) return;
        lock (_growLock)
        {
            while (index >= _slabCount * PerSlab)
            {
                byte* slab = _source.AllocateSlab();
                nint[] slabs = _slabs;
                if (_slabCount == slabs.Length)
                {
                    var larger = new nint[slabs.Length * 2];
                    slabs.CopyTo(larger, 0);
                    slabs = larger;
                }
                slabs[_slabCount] = (nint)slab;
                Volatile.Write(ref _slabs, slabs);
                Volatile.Write(ref _slabCount, _slabCount + 1);
            }
        }
    }
}
