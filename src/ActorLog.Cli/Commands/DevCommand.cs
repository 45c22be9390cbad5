using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using ActorLog.Client;
using ActorLog.Hosting;

namespace ActorLog.Cli.Commands;

/// <summary>
/// actorlog dev: a local cluster of broker PROCESSES (the same `actorlog node` a user would run), logs in
/// each data dir, waits until every broker is up, prints the bootstrap address and stops them on Ctrl-C.
/// </summary>
internal static class DevCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of broker processes", DefaultValueFactory = _ => 3 };
        var dataDir = new Option<string>("--data-dir") { Description = "Parent of the brokers' data dirs", DefaultValueFactory = _ => "./data" };
        var basePort = new Option<int>("--base-port") { Description = "Port of broker 1 (then +1 each); 0 picks free ports", DefaultValueFactory = _ => 4051 };
        var cmd = new Command("dev", "Run a local cluster of broker processes until Ctrl-C") { brokers, dataDir, basePort };
        cmd.SetAction(async (r, ct) =>
        {
            var n = r.GetValue(brokers);
            if (n < 1) { await Console.Error.WriteLineAsync("error: --brokers must be at least 1"); return 2; }
            var root = Path.GetFullPath(r.GetValue(dataDir)!);
            var ports = r.GetValue(basePort) == 0 ? LoopbackPorts.Free(n) : Enumerable.Range(r.GetValue(basePort), n).ToArray();
            foreach (var port in ports)
                if (!LoopbackPorts.IsFree(port)) { await Console.Error.WriteLineAsync($"error: port {port} is already in use (try --base-port 0)"); return 2; }
            var seeds = string.Join(",", ports.Take(Math.Min(3, n)).Select(p => $"127.0.0.1:{p}"));
            var processes = new List<Process>();
            try
            {
                for (var i = 0; i < n; i++)
                {
                    var dir = Path.Combine(root, $"broker-{i + 1}");
                    Directory.CreateDirectory(dir);
                    processes.Add(StartNode(i + 1, ports[i], seeds, dir));
                    Console.Out.WriteLine($"broker {i + 1}: pid {processes[^1].Id}, 127.0.0.1:{ports[i]}, log {Path.Combine(dir, "broker.log")}");
                }
                var bootstrap = string.Join(",", ports.Select(p => $"127.0.0.1:{p}"));
                await WaitUntilUp(bootstrap, ports, processes, ct);
                Console.Out.WriteLine($"ActorLog dev cluster is up: {n} broker(s). Bootstrap: {bootstrap}");
                Console.Out.WriteLine("Press Ctrl-C to stop.");
                await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
            finally
            {
                await StopAll(processes);
            }
        });
        return cmd;
    }

    /// <summary>This program started again as `node`: the apphost directly, or `dotnet actorlog.dll`.</summary>
    public static ProcessStartInfo SelfStartInfo(params string[] args)
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(processPath) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    private static Process StartNode(int id, int port, string seeds, string dir)
    {
        var info = SelfStartInfo("node", "--broker-id", id.ToString(), "--port", port.ToString(), "--seeds", seeds, "--data-dir", dir);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start broker {id}");
        var log = new StreamWriter(Path.Combine(dir, "broker.log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilUp(string bootstrap, int[] ports, List<Process> processes, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (processes.FirstOrDefault(p => p.HasExited) is { } dead)
                throw new InvalidOperationException($"A broker process (pid {dead.Id}) exited with code {dead.ExitCode}; see its broker.log");
            // Only connect once every broker listens: the client would otherwise log refused connections.
            if (ports.Any(LoopbackPorts.IsFree))
            {
                await Task.Delay(250, ct);
                continue;
            }
            try
            {
                await using var client = await ActorLogClient.ConnectAsync(bootstrap, ct: ct);
                var metadata = await client.RefreshMetadataAsync(ct);
                if (metadata.Brokers.Count(b => b.Status == "up") == ports.Length && metadata.ControllerBrokerId >= 0) return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // not up yet
            }
            await Task.Delay(500, ct);
        }
        throw new TimeoutException($"The cluster did not come up with {ports.Length} brokers within 90 s");
    }

    /// <summary>SIGTERM each broker in turn (they leave the cluster gracefully), SIGKILL after 20 s.</summary>
    private static async Task StopAll(List<Process> processes)
    {
        for (var i = processes.Count - 1; i >= 0; i--)
        {
            var p = processes[i];
            if (p.HasExited) continue;
            ProcessSignals.Terminate(p.Id);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await p.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { p.Kill(entireProcessTree: true); }
            Console.Out.WriteLine($"broker pid {p.Id} stopped");
        }
    }
}
