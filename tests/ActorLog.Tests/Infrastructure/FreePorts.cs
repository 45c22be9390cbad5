using System.Net;
using System.Net.Sockets;

namespace ActorLog.Tests.Infrastructure;

public static class FreePorts
{
    /// <summary>Ports the OS reports free on 127.0.0.1 right now (held open together so they differ).</summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var l in listeners) l.Start();
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }
}
