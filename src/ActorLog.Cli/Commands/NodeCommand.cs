using System.CommandLine;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ActorLog.Broker;
using ActorLog.Hosting;
using ActorLog.Metadata.Durable;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog node: runs one broker in this process until SIGTERM / Ctrl-C, then leaves the cluster gracefully.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var brokerId = new Option<int?>("--broker-id") { Description = "Stable id of this broker" };
        var host = new Option<string?>("--host") { Description = "Address to bind and advertise (default 127.0.0.1)" };
        var port = new Option<int?>("--port") { Description = "Akka.Remote port (default 4051)" };
        var seeds = new Option<string?>("--seeds") { Description = "Seed brokers HOST:PORT[,HOST:PORT]" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory of this broker's log store" };
        var config = new Option<string?>("--config") { Description = "HOCON file overriding hocon/actorlog.conf" };
        var cmd = new Command("node", "Run one broker") { brokerId, host, port, seeds, dataDir, config };
        cmd.SetAction(async (r, ct) =>
        {
            var options = new BrokerOptions
            {
                BrokerId = r.GetValue(brokerId),
                Host = r.GetValue(host),
                Port = r.GetValue(port),
                Seeds = r.GetValue(seeds)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                DataDir = r.GetValue(dataDir),
                ConfigFile = r.GetValue(config),
            };
            return await RunAsync(options, ct);
        });
        return cmd;
    }

    public static async Task<int> RunAsync(BrokerOptions options, CancellationToken ct)
    {
        while (true)
        {
            // null: the broker stopped itself to join afresh (JoinWatchdog), or the cluster downed it; its data stays, so it
            // simply runs again.
            if (await RunOnceAsync(options, ct) is { } exitCode) return exitCode;
            if (ct.IsCancellationRequested) return 0;
            Console.Out.WriteLine("Starting the broker again, as a new incarnation, to join the cluster afresh");
        }
    }

    private static async Task<int?> RunOnceAsync(BrokerOptions options, CancellationToken ct)
    {
        IHost host;
        try
        {
            host = BrokerHosting.BuildBrokerHost(options);
        }
        catch (BrokerConfigException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        try
        {
            await host.StartAsync();
        }
        catch (Exception e) when (FindSocketError(e) is SocketError.AddressAlreadyInUse)
        {
            await Console.Error.WriteLineAsync($"error: port {options.Port?.ToString() ?? "(configured)"} is already in use: {e.GetBaseException().Message}");
            return 2;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"error: the broker failed to start: {e.GetBaseException().Message}");
            return 1;
        }
        var system = host.Services.GetRequiredService<ActorSystem>();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var settings = Configuration.ActorLogSettings.Create(system);
        var cluster = Cluster.Get(system);
        Console.Out.WriteLine($"ActorLog broker {settings.BrokerId} listening on {cluster.SelfAddress.Host}:{cluster.SelfAddress.Port}, data dir {settings.DataDir}");
        cluster.RegisterOnMemberUp(() => Console.Out.WriteLine($"Broker {settings.BrokerId} joined the cluster"));
        // Downed by the split brain resolver (or stopped in any other way): the process ends with its ActorSystem.
        _ = system.WhenTerminated.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
        // SIGTERM / Ctrl-C arrive through the command line's token: leave the cluster gracefully.
        await using var onSignal = ct.Register(lifetime.StopApplication);
        await host.WaitForShutdownAsync();
        var reason = CoordinatedShutdown.Get(system).ShutdownReason;
        host.Dispose();
        if (reason is JoinWatchdog.StuckJoinReason) return null;
        if (reason is CoordinatedShutdown.ClusterDowningReason)
        {
            // The others downed it: it was unreachable for longer than the split brain resolver waits (a long pause,
            // an overloaded machine, a network split) and is out of the cluster for good under this incarnation. Its
            // data is intact, so it starts again and rejoins, as a Kafka broker fenced by its controller does; exiting
            // (with 0, as a stop) left a cluster short of a broker until someone noticed, systemd's Restart=on-failure
            // being no help.
            Console.Out.WriteLine($"Broker {settings.BrokerId} was downed by the cluster (it was unreachable)");
            return null;
        }
        if (reason is ReplicatorWatch.ReplicatorStoppedReason)
        {
            // Its metadata could not be loaded (the log above names the file): a failure, not a requested stop.
            await Console.Error.WriteLineAsync($"error: broker {settings.BrokerId} stopped: its cluster metadata could not be loaded " +
                $"from {system.Settings.Config.GetString("akka.cluster.distributed-data.durable.sqlite.path", "")} (see the log above)");
            return 1;
        }
        Console.Out.WriteLine($"Broker {settings.BrokerId} stopped");
        return 0;
    }

    private static SocketError? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException s) return s.SocketErrorCode;
            if (e is AggregateException a && a.InnerExceptions.Select(FindSocketError).FirstOrDefault(x => x is not null) is { } inner) return inner;
            if (e.Message.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)) return SocketError.AddressAlreadyInUse;
        }
        return null;
    }
}
