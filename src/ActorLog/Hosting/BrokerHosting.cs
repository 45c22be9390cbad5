using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Sharding.External;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ActorLog.Broker;
using ActorLog.Configuration;
using ActorLog.Controller;
using ActorLog.Gateway;
using ActorLog.Groups;
using ActorLog.Groups.Coordinator;
using ActorLog.Metadata.Durable;
using ActorLog.Partition;

namespace ActorLog.Hosting;

/// <summary>Marker types for the actor registry.</summary>
public sealed class ControllerProxyKey;
public sealed class PartitionRegionKey;
public sealed class ReplicaManagerKey;
public sealed class GatewayKey;
public sealed class GroupRegionKey;

/// <summary>
/// The broker as an Akka.Hosting composition: the configuration from <see cref="BrokerConfig"/>, then the
/// broker's actors in dependency order (replicated data, controller singleton + proxy, replica manager,
/// partition and group shard regions with controller-placed shards, gateway).
/// </summary>
public static class BrokerHosting
{
    public static IServiceCollection AddActorLogBroker(this IServiceCollection services, Config config)
    {
        var actorlog = config.GetConfig("actorlog");
        var sqlite = string.Equals(actorlog.GetString("storage.provider", "sqlite"), "sqlite", StringComparison.OrdinalIgnoreCase);
        var dataDir = actorlog.GetString("data-dir");
        var checkpoints = sqlite ? SqliteCheckpointer.ReadInterval(actorlog) : null;
        if (checkpoints is { } interval)
            services.AddHostedService(provider => new SqliteCheckpointer(SqliteJournal.ConnectionString(dataDir), interval,
                provider.GetRequiredService<ILogger<SqliteCheckpointer>>()));
        services.AddAkka(BrokerConfig.SystemName, builder =>
        {
            builder.AddHocon(config, HoconAddMode.Prepend);
            if (sqlite)
                builder.AddSetup(SqliteJournal.Setup(dataDir, actorlog.GetString("storage.sqlite-synchronous", "normal"), checkpoints is not null));
            builder.WithActors((system, registry) => StartBrokerActors(system, registry));
        });
        return services;
    }

    /// <summary>Builds a broker host; throws <see cref="BrokerConfigException"/> for a configuration it cannot run.</summary>
    public static IHost BuildBrokerHost(BrokerOptions options, Action<IServiceCollection>? configure = null)
    {
        var config = BrokerConfig.Build(options);
        BrokerConfig.PrepareStorage(config);
        var builder = Host.CreateApplicationBuilder(HostSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        builder.Services.AddActorLogBroker(config);
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>
    /// The host's defaults without its file watching. A broker's settings are HOCON, the environment and flags, read
    /// once (<see cref="BrokerConfig"/>); the default builder would also watch appsettings.json under the working
    /// directory with a recursive inotify watch. That directory often holds the data dirs (the README's ./data), and
    /// then every journal write of any broker woke a watcher thread in each of them: a fifth of a leader's CPU samples
    /// at ~213,000 records/s (bench/RESULTS.md, session 11), and a watch per directory below wherever the node started.
    /// </summary>
    private static HostApplicationBuilderSettings HostSettings()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("hostBuilder:reloadConfigOnChange", "false")]);
        return new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            Configuration = configuration,
        };
    }

    public static void StartBrokerActors(ActorSystem system, IActorRegistry registry)
    {
        var settings = ActorLogSettings.Create(system);
        // Eagerly: a shard location written before the replicator started would otherwise be lost.
        var replicator = DistributedData.Get(system).Replicator;
        system.ActorOf(ReplicatorWatch.Props(replicator), ReplicatorWatch.Name);

        system.ActorOf(ClusterSingletonManager.Props(
            ControllerActor.Props(settings), PoisonPill.Instance,
            ClusterSingletonManagerSettings.Create(system).WithRole(BrokerDirectory.BrokerRole).WithSingletonName(ControllerActor.SingletonName)),
            "controller-manager");
        var controller = system.ActorOf(ClusterSingletonProxy.Props("/user/controller-manager",
            ClusterSingletonProxySettings.Create(system).WithRole(BrokerDirectory.BrokerRole).WithSingletonName(ControllerActor.SingletonName)),
            "controller-proxy");
        registry.Register<ControllerProxyKey>(controller);

        var replicaManager = system.ActorOf(ReplicaManager.Props(settings, controller), ReplicaManager.Name);
        if (settings.CrashDetection) system.ActorOf(CrashDetector.Props(settings.CrashProbeTimeout), CrashDetector.Name);
        if (settings.StuckJoinTimeout is not null || settings.UnseenGossipTimeout is not null)
            system.ActorOf(JoinWatchdog.Props(new JoinWatchdog.Settings(settings.StuckJoinTimeout, settings.UnseenGossipTimeout, settings.CrashProbeTimeout)),
                JoinWatchdog.Name);
        registry.Register<ReplicaManagerKey>(replicaManager);

        var region = ClusterSharding.Get(system).Start(
            PartitionEntity.TypeName,
            _ => PartitionEntity.Props(replicaManager),
            ClusterShardingSettings.Create(system).WithRole(BrokerDirectory.BrokerRole),
            new PartitionMessageExtractor(),
            new ExternalShardAllocationStrategy(system, PartitionEntity.TypeName),
            PoisonPill.Instance);
        registry.Register<PartitionRegionKey>(region);

        // Group coordinators: one shard per offsets partition, placed by the controller on that partition's leader.
        var groupSettings = GroupSettings.Create(system);
        var offsetsLoader = system.ActorOf(OffsetsLoader.Props(replicaManager), OffsetsLoader.Name);
        var groupRegion = ClusterSharding.Get(system).Start(
            GroupCoordinator.TypeName,
            groupId => GroupCoordinator.Props(groupId, groupSettings, settings.BrokerId, replicaManager, offsetsLoader, region),
            ClusterShardingSettings.Create(system).WithRole(BrokerDirectory.BrokerRole),
            new GroupMessageExtractor(groupSettings.OffsetsTopicPartitions),
            new ExternalShardAllocationStrategy(system, GroupCoordinator.TypeName),
            PoisonPill.Instance);
        registry.Register<GroupRegionKey>(groupRegion);

        var gateway = system.ActorOf(GatewayActor.Props(settings.BrokerId, controller, region, replicaManager, groupRegion, groupSettings),
            GatewayActor.Name);
        registry.Register<GatewayKey>(gateway);
    }
}
