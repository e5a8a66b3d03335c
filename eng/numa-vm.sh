#!/usr/bin/env bash
# numa-vm.sh: run one command inside a throw-away Linux guest whose kernel sees several NUMA nodes
# (QEMU emulated NUMA under TCG). This is how the multi-node tier runs on one-node machines and in CI.
#
#   eng/numa-vm.sh [--nodes N] [--cpus-per-node C] [--mem-per-node MiB] [--memoryless NODE]...
#                  [--cpuless NODE]... [--timeout SECONDS] -- COMMAND [ARGS...]
#
#   --nodes N          number of NUMA nodes (default 2); distances 10 local, 21 remote
#   --cpus-per-node C  vCPUs on each node that has CPUs (default 1)
#   --mem-per-node M   MiB on each node that has memory (default 1024)
#   --memoryless NODE  that node has CPUs but no memory (repeatable)
#   --cpuless NODE     that node has memory but no CPUs (repeatable)
#   --timeout S        give up after S seconds (default 900)
#
# The guest mounts this machine's root filesystem over 9p as its own root, so COMMAND sees the same files,
# .NET SDK and build outputs; the working directory is kept. Inside, NUMA_VM=1 and NUMA_VM_NODES,
# NUMA_VM_MEMORYLESS, NUMA_VM_CPULESS (cpu-list format) describe the layout, so tests can check what the
# kernel reports against what was asked for.
# Exit status: COMMAND's; 125 when the guest could not run it.
#
# Emulation is ~20x slower than native and remote memory is NOT slower: use the guest for placement,
# policy and pinning correctness, never for timing. Build on the host; run only test executables inside
# (`dotnet test` is too slow to connect under emulation).
#
# First use installs qemu-system-x86, busybox-static and cpio with apt-get (Debian 12 packages) and
# unpacks a stock Debian kernel into the cache (NUMA_VM_CACHE, default ~/.cache/numa/vm). Needs root for
# that step and for 9p passthrough. Recipe derived from shared/tools/numa-vm.
set -euo pipefail

nodes=2 cpus_per_node=1 mem_per_node=1024 timeout_s=900
memoryless=() cpuless=()
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --cpus-per-node) cpus_per_node=$2; shift 2 ;;
    --mem-per-node) mem_per_node=$2; shift 2 ;;
    --memoryless) memoryless+=("$2"); shift 2 ;;
    --cpuless) cpuless+=("$2"); shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "numa-vm.sh: unknown option '$1' (see --help)" >&2; exit 125 ;;
  esac
done
[[ $# -gt 0 ]] || { echo "numa-vm.sh: no command given (see --help)" >&2; exit 125; }
in_list() { local x=$1; shift; local y; for y in "$@"; do [[ "$y" == "$x" ]] && return 0; done; return 1; }
join_by_comma() { local IFS=,; echo "$*"; }
for n in "${memoryless[@]}" "${cpuless[@]}"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -lt "$nodes" ]] || { echo "numa-vm.sh: node '$n' is not in 0..$((nodes - 1))" >&2; exit 125; }
done

cache=${NUMA_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/numa/vm}
mkdir -p "$cache"

# 1. Host tools.
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[[ -x /bin/busybox ]] || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "numa-vm.sh: installing ${missing[*]}" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$cache/apt.log" 2>&1 || { echo "numa-vm.sh: apt-get failed; see $cache/apt.log" >&2; exit 125; }
fi

# 2. Kernel: Debian's generic kernel with 9p and virtio as modules, unpacked (never installed).
if [[ ! -f "$cache/kernel/vmlinuz" ]]; then
  echo "numa-vm.sh: fetching a Debian kernel into $cache" >&2
  rm -rf "$cache/kernel" "$cache/deb"; mkdir -p "$cache/kernel/modules" "$cache/deb"
  image_package() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9][^ ]*\)/\1/p' | head -1; }
  pkg=$(image_package)
  if [[ -z "$pkg" ]]; then apt-get update -qq >/dev/null 2>&1 || true; pkg=$(image_package); fi
  [[ -n "$pkg" ]] || { echo "numa-vm.sh: cannot find Debian's linux-image package" >&2; exit 125; }
  (cd "$cache/deb" && apt-get download -qq "$pkg") >"$cache/apt.log" 2>&1 || { echo "numa-vm.sh: cannot download $pkg; see $cache/apt.log" >&2; exit 125; }
  dpkg-deb -x "$cache"/deb/*.deb "$cache/deb/root"
  kver=$(ls "$cache/deb/root/lib/modules" | head -1)
  mods="$cache/deb/root/lib/modules/$kver/kernel"
  cp "$cache/deb/root/boot/vmlinuz-$kver" "$cache/kernel/vmlinuz"
  for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
           drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache \
           net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
    cp "$mods/$m.ko"* "$cache/kernel/modules/" 2>/dev/null || true
  done
  echo "$pkg" >"$cache/kernel/package"
  rm -rf "$cache/deb"
fi

# 3. Initramfs: busybox, the 9p modules, and an init that mounts the host's root and runs the job.
if [[ ! -f "$cache/initramfs.gz" || "$0" -nt "$cache/initramfs.gz" ]]; then
  ir=$(mktemp -d)
  mkdir -p "$ir"/{bin,mnt,proc,sys,dev,lib/modules}
  cp /bin/busybox "$ir/bin/"
  cp "$cache"/kernel/modules/* "$ir/lib/modules/"
  cat >"$ir/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
  f=$(ls /lib/modules/$m.ko* 2>/dev/null | head -1); [ -n "$f" ] && insmod "$f" 2>/dev/null
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576,cache=loose hostroot /mnt; then
  echo "NUMA-VM-EXIT=125"; poweroff -f
fi
mount -t proc proc /mnt/proc; mount -t sysfs sys /mnt/sys; mount -o bind /dev /mnt/dev
mount -t devpts devpts /mnt/dev/pts 2>/dev/null
# Loopback for tests that talk to their own servers (127.0.0.1); the guest has no other network.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
job=$(sed -n 's/.*numavm_job=\([^ ]*\).*/\1/p' /proc/cmdline)
chroot /mnt /bin/sh "$job"; echo "NUMA-VM-EXIT=$?"
poweroff -f
INIT
  chmod +x "$ir/init"
  (cd "$ir" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$cache/initramfs.gz"
  rm -rf "$ir"
fi

# 4. The job: environment, working directory, command, all quoted for the guest's shell.
jobdir=$(mktemp -d /var/tmp/numa-vm.XXXXXX)
trap 'rm -rf "$jobdir"' EXIT
{
  printf 'export HOME=%q PATH=%q DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NUMA_VM=1\n' "$HOME" "$PATH"
  printf 'export NUMA_VM_NODES=%q NUMA_VM_MEMORYLESS=%q NUMA_VM_CPULESS=%q\n' \
    "$nodes" "$(join_by_comma "${memoryless[@]}")" "$(join_by_comma "${cpuless[@]}")"
  for v in DOTNET_ROOT CI TERM; do [[ -n "${!v:-}" ]] && printf 'export %s=%q\n' "$v" "${!v}"; done
  printf 'cd %q || exit 125\n' "$PWD"
  printf '%q ' "$@"; echo
} >"$jobdir/job.sh"

# 5. The machine: one QEMU NUMA node per node, CPUs and memory as asked.
cpus=0 memtotal=0 numa_args=()
for ((n = 0; n < nodes; n++)); do
  spec="node,nodeid=$n"
  if ! in_list "$n" "${cpuless[@]}"; then spec+=",cpus=$cpus-$((cpus + cpus_per_node - 1))"; cpus=$((cpus + cpus_per_node)); fi
  if ! in_list "$n" "${memoryless[@]}"; then
    numa_args+=(-object "memory-backend-ram,id=m$n,size=${mem_per_node}M"); spec+=",memdev=m$n"; memtotal=$((memtotal + mem_per_node))
  fi
  numa_args+=(-numa "$spec")
done
[[ $cpus -gt 0 && $memtotal -gt 0 ]] || { echo "numa-vm.sh: the layout needs at least one CPU and some memory" >&2; exit 125; }
qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m "${memtotal}M" -smp "$cpus" "${numa_args[@]}")
for ((a = 0; a < nodes; a++)); do for ((b = 0; b < nodes; b++)); do
  [[ $a -ne $b ]] && qemu+=(-numa "dist,src=$a,dst=$b,val=21")
done; done
qemu+=(-kernel "$cache/kernel/vmlinuz" -initrd "$cache/initramfs.gz"
       -append "console=ttyS0 quiet loglevel=0 panic=-1 numavm_job=$jobdir/job.sh"
       -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,id=hr,multidevs=remap"
       -nographic -no-reboot -monitor none)

# 6. Run it: print the guest's console after the firmware banner, pick up the exit code line.
set +e
timeout "$timeout_s" "${qemu[@]}" 2>"$jobdir/qemu.err" </dev/null \
  | tr -d '\r' \
  | sed -e 's/\x1b\[[0-9;?=]*[a-zA-Z]//g' -e 's/\x1bc//g' \
  | awk -v exitfile="$jobdir/exit" '
      /NUMA-VM-EXIT=/ { sub(/.*NUMA-VM-EXIT=/, ""); print > exitfile; next }
      /^\[ *[0-9]+\.[0-9]+\] reboot: Power down/ { next }
      started { print; fflush(); next }
      /Booting from ROM/ { started = 1; sub(/.*Booting from ROM\.*/, ""); if (length($0)) print }'
set -e
rc=$(tr -dc '0-9' <"$jobdir/exit" 2>/dev/null || true)
if [[ -z "$rc" ]]; then
  echo "numa-vm.sh: the guest did not finish (timeout ${timeout_s}s or boot failure); qemu said:" >&2
  cat "$jobdir/qemu.err" >&2
  exit 125
fi
exit "$rc"
