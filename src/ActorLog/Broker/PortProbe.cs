using System.Net.Sockets;

namespace ActorLog.Broker;

/// <summary>One TCP connect to a member's port: whether a process listens there, without speaking Akka to it.</summary>
public static class PortProbe
{
    public enum Outcome
    {
        /// <summary>Something accepted the connection: a process listens there.</summary>
        Listening,
        /// <summary>"Connection refused": nothing listens there (the process is gone).</summary>
        Refused,
        /// <summary>Timed out or failed otherwise (slow, partitioned): nothing certain either way.</summary>
        Unknown,
    }

    public static async Task<(Outcome Outcome, string Detail)> ProbeAsync(string host, int port, TimeSpan timeout)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(host, port, cts.Token);
            return (Outcome.Listening, "listening");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return (Outcome.Refused, "connection refused");
        }
        catch (Exception e)
        {
            return (Outcome.Unknown, e.Message);
        }
    }
}
