using System.CommandLine;
using ActorLog.Cli.Processes;
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
            await using var cluster = LocalCluster.Create(root, ports);
            try
            {
                foreach (var b in cluster.Brokers)
                {
                    b.Start();
                    Console.Out.WriteLine($"broker {b.BrokerId}: pid {b.Pid}, 127.0.0.1:{b.Port}, log {b.LogPath}");
                }
                await cluster.WaitUntilUpAsync(TimeSpan.FromSeconds(90), ct);
                Console.Out.WriteLine($"ActorLog dev cluster is up: {n} broker(s). Bootstrap: {cluster.Bootstrap}");
                // Without it, commands reach broker 1 only (the default), and fail while it is down.
                Console.Out.WriteLine($"Other terminals: export {CommonOptions.BootstrapVariable}={cluster.Bootstrap}");
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
                await cluster.StopAllAsync(TimeSpan.FromSeconds(20), b => Console.Out.WriteLine($"broker {b.BrokerId} (pid {b.Pid}) stopped"));
            }
        });
        return cmd;
    }
}
