using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using HdrHistogram;

// Bare Akka.Remote round trips between two processes on this machine, one at a time: how much of ActorLog's
// one-at-a-time latency the transport alone already takes. No cluster, persistence or ActorLog code; the same
// runtime settings as the product (Directory.Build.props). Usage:
//   dotnet run -c Release --project bench/RemotePingPong -- [requests (default 10000)] [warm-up requests (default 10000)]
// The warm-up matters: with 1,000 the p99 is 3-4 ms here, as the runtime is still recompiling hot methods (tiered JIT)
// on the same two cores; after 10,000-20,000 it is ~0.6 ms.
// The echo side is a child process of this one ("echo" argument), on a free port it prints on its first line.

if (args is ["echo"])
{
    using var echoSystem = ActorSystem.Create("pingpong", RemoteConfig());
    echoSystem.ActorOf(Props.Create<Echo>(), "echo");
    Console.WriteLine(((ExtendedActorSystem)echoSystem).Provider.DefaultAddress.Port);
    // Runs until the parent closes our stdin (it exits, or it is done).
    await Console.In.ReadToEndAsync();
    await echoSystem.Terminate();
    return 0;
}

var requests = args.Length > 0 ? int.Parse(args[0]) : 10_000;
var warmup = args.Length > 1 ? int.Parse(args[1]) : 10_000;
// Started as `dotnet RemotePingPong.dll` or as its own executable (dotnet run): the child is started the same way.
var host = Environment.ProcessPath!;
string[] echoArgs = Path.GetFileNameWithoutExtension(host) == "dotnet" ? [typeof(Echo).Assembly.Location, "echo"] : ["echo"];
using var child = Process.Start(new ProcessStartInfo(host, echoArgs)
{
    RedirectStandardInput = true,
    RedirectStandardOutput = true,
})!;
var port = int.Parse(await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the echo process exited"));

using var system = ActorSystem.Create("pingpong", RemoteConfig());
var echo = await system.ActorSelection($"akka.tcp://pingpong@127.0.0.1:{port}/user/echo").ResolveOne(TimeSpan.FromSeconds(10));
var histogram = new LongHistogram(TimeSpan.FromSeconds(10).Ticks, 3);
var done = new TaskCompletionSource<double>();
system.ActorOf(Props.Create(() => new Pinger(echo, warmup, requests, histogram, done)));
var seconds = await done.Task;
double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
double P(double percentile) => Ms(histogram.GetValueAtPercentile(percentile));
Console.WriteLine($"{requests} round trips of a 100-byte message in {seconds:0.00} s: p50 {P(50):0.000} ms, p90 {P(90):0.000} ms, " +
    $"p99 {P(99):0.000} ms, p99.9 {P(99.9):0.000} ms, max {Ms(histogram.GetMaxValue()):0.000} ms");
child.StandardInput.Close();
await child.WaitForExitAsync();
await system.Terminate();
return 0;

// PINGPONG_HOCON (optional) is appended, so a transport setting can be tried: it wins over the lines above it.
static Config RemoteConfig() => ConfigurationFactory.ParseString("""
    akka.actor.provider = remote
    akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
    akka.loglevel = WARNING
    """ + "\n" + Environment.GetEnvironmentVariable("PINGPONG_HOCON"));

/// <summary>Answers every message with itself.</summary>
internal sealed class Echo : ReceiveActor
{
    public Echo() => ReceiveAny(message => Sender.Tell(message));
}

/// <summary>Sends one message, waits for its echo, records the round trip, sends the next: one in flight, as the
/// one-at-a-time produce case has. The first <c>warmup</c> round trips are not recorded.</summary>
internal sealed class Pinger : ReceiveActor
{
    private readonly byte[] _payload = new byte[100];
    private readonly IActorRef _echo;
    private long _sentAt;

    public Pinger(IActorRef echo, int warmup, int requests, LongHistogram histogram, TaskCompletionSource<double> done)
    {
        _echo = echo;
        var answered = 0;
        var clock = new Stopwatch();
        if (warmup == 0) clock.Start();
        Receive<byte[]>(_ =>
        {
            if (answered >= warmup) histogram.RecordValue(Stopwatch.GetElapsedTime(_sentAt).Ticks);
            if (++answered == warmup) clock.Start();
            if (answered == warmup + requests)
            {
                done.SetResult(clock.Elapsed.TotalSeconds);
                return;
            }
            Send();
        });
        Send();
    }

    private void Send()
    {
        _sentAt = Stopwatch.GetTimestamp();
        _echo.Tell(_payload, Self);
    }
}
