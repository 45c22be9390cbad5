using Akka.Configuration;

namespace ActorLog.Tests.Infrastructure;

/// <summary>A one-system spec's ActorSystem on loopback Akka.Remote at a free port, so other systems can reach it.</summary>
public static class LoopbackConfig
{
    /// <summary>Remoting only (a client, or a stand-in for a broker's gateway).</summary>
    public static Config Remote { get; } = For("remote");

    /// <summary>A cluster node that has not joined anything yet.</summary>
    public static Config ClusterNode { get; } = For("cluster");

    private static Config For(string provider) => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = {{provider}}
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = WARNING
        """);
}
