internal static class Benchmark { public static int Run(string idx, string dir, int repeats) => 2; }
