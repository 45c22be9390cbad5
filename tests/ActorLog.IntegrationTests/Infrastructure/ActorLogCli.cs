using System.Diagnostics;

namespace ActorLog.IntegrationTests.Infrastructure;

/// <summary>Runs the real `actorlog` CLI (ActorLog.Cli.dll built beside the tests) as a child process.</summary>
public static class ActorLogCli
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "ActorLog.Cli.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    public sealed record Result(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed)
    {
        public string[] Lines => StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0}s\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
    }

    public static async Task<Result> RunAsync(string? stdin, params string[] args) => await RunAsync(stdin, TimeSpan.FromSeconds(120), args);

    public static Task<Result> RunAsync(string? stdin, TimeSpan timeout, params string[] args) => RunAsync(stdin, timeout, null, args);

    /// <param name="environment">Variables set for this command only (on top of the test process's own).</param>
    public static async Task<Result> RunAsync(string? stdin, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        var info = StartInfo(args);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"actorlog {string.Join(" ", args)} did not finish within {timeout}: {await stderr}");
        }
        return new Result(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }
}
