#!/usr/bin/env bash
# Packs Numa.Runtime and builds a tiny consumer project against the .nupkg from a local folder, as a user would:
# the package must carry the generator, analyzers and code fixes (analyzers/dotnet/cs), the generator must write the
# consumer's NumaApp (which then runs), and an analyzer must fire (NUMA0003 on a worker that is not partial).
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

version="0.0.0-consumer.$(date +%s)"
if ! dotnet pack src/Numa.Runtime -c Release -o "$work/feed" -p:Version="$version" -nologo -v quiet >"$work/pack.log" 2>&1; then
  cat "$work/pack.log"; fail pack "dotnet pack failed"; echo "$passed passed, $failed failed"; exit 1
fi
contents=$(python3 -m zipfile -l "$work/feed/Numa.Runtime.$version.nupkg")
for dll in lib/net10.0/Numa.Runtime.dll analyzers/dotnet/cs/Numa.Generators.dll analyzers/dotnet/cs/Numa.Analyzers.dll analyzers/dotnet/cs/Numa.Analyzers.CodeFixes.dll; do
  if grep -q "$dll" <<<"$contents"; then pass "package contains $dll"; else fail "package contains $dll" "missing"; fi
done

mkdir -p "$work/consumer"
cat >"$work/consumer/NuGet.config" <<XML
<configuration>
  <packageSources>
    <add key="local" value="$work/feed" />
  </packageSources>
  <config><add key="globalPackagesFolder" value="$work/packages" /></config>
</configuration>
XML
cat >"$work/consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Numa.Runtime" Version="$version" />
  </ItemGroup>
</Project>
XML
cat >"$work/consumer/Program.cs" <<'CS'
using Numa;
using Numa.Messaging;
using Numa.Scheduling;

await using var app = Consumer.NumaApp.Create();
Console.Write(app.Describe().ToText());
await app.StartAsync();
await app.Completion;
Console.WriteLine($"received {app.Sink[0].Received}");

public readonly record struct Tick(long N);

[PinnedWorker]
public sealed partial class Source
{
    private partial Outbox<Tick> Out { get; }
    private void Run(WorkerContext context) { for (long i = 0; i < 1000; i++) Out.Send(0, new Tick(i)); }
}

[PinnedWorker]
public sealed partial class Sink
{
    public long Received;
    [Inbox] private void On(in Tick tick) => Received++;
}

[PinnedWorker]
public sealed class Forgotten { }
CS

if dotnet build "$work/consumer" -c Release -nologo >"$work/build.log" 2>&1; then pass "consumer builds against the package"
else tail -20 "$work/build.log"; fail "consumer builds against the package" "dotnet build failed"; fi
if grep -q "warning NUMA0003" "$work/build.log"; then pass "analyzer from the package fires (NUMA0003)"
else fail "analyzer from the package fires (NUMA0003)" "no NUMA0003 warning in the build output"; fi
if out=$(timeout 120 dotnet "$work/consumer/bin/Release/net10.0/Consumer.dll" 2>&1) && grep -q "received 1000" <<<"$out" && grep -q "Source\[0\] -> Sink\[0\]" <<<"$out"; then
  pass "generated NumaApp from the package runs (1000 messages through its ring)"
else
  echo "$out" | tail -20; fail "generated NumaApp from the package runs" "unexpected output"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
