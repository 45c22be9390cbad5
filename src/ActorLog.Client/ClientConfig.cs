using Akka.Configuration;
using ActorLog.Configuration;

namespace ActorLog.Client;

/// <summary>
/// A client's ActorSystem: remoting only (not a cluster member), our serializer, logs to stderr. Only errors are
/// logged: connection trouble reaches the caller as a typed error, not as remoting warnings.
/// </summary>
internal static class ClientConfig
{
    public static Config Build(string bindHost) => ConfigurationFactory.ParseString($$"""
        akka {
          actor.provider = remote
          loggers = ["ActorLog.Client.StdErrLogger, ActorLog.Client"]
          loglevel = ERROR
          stdout-loglevel = OFF
          remote {
            log-remote-lifecycle-events = off
            dot-netty.tcp { hostname = "{{bindHost}}", port = 0 }
          }
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """).WithFallback(DefaultConfig.Load());

    /// <summary>"host:port,host:port" → (host, port) pairs; throws a clear error for anything else.</summary>
    public static IReadOnlyList<(string Host, int Port)> ParseBootstrap(string bootstrap)
    {
        var result = new List<(string, int)>();
        foreach (var part in bootstrap.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
                throw new ArgumentException($"Bootstrap address '{part}' is not HOST:PORT");
            result.Add((part[..colon], port));
        }
        if (result.Count == 0) throw new ArgumentException("No bootstrap address given");
        return result;
    }
}
