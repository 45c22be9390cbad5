using System.Diagnostics;
using System.Text;
using ActorLog.Hosting;

namespace ActorLog.IntegrationTests.Infrastructure;

/// <summary>One `actorlog node` broker process, with its output kept for diagnostics.</summary>
public sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(Process process, int brokerId, int port, string dataDir)
    {
        _process = process;
        BrokerId = brokerId;
        Port = port;
        DataDir = dataDir;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int BrokerId { get; }
    public int Port { get; }
    public string DataDir { get; }
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static NodeProcess Start(int brokerId, int port, string seeds, string dataDir, params string[] extra)
    {
        var args = new List<string> { "node", "--broker-id", brokerId.ToString(), "--port", port.ToString(), "--seeds", seeds, "--data-dir", dataDir };
        args.AddRange(extra);
        var process = Process.Start(ActorLogCli.StartInfo(args))!;
        process.StandardInput.Close();
        return new NodeProcess(process, brokerId, port, dataDir);
    }

    /// <summary>SIGTERM: the broker leaves the cluster gracefully.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        ProcessSignals.Terminate(_process.Id);
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { _process.Kill(true); }
    }

    /// <summary>SIGSTOP: the broker goes silent with its connections open (a long pause), until <see cref="Resume"/>.</summary>
    public void Pause() => ProcessSignals.Stop(_process.Id);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => ProcessSignals.Continue(_process.Id);

    /// <summary>SIGKILL: the broker vanishes as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
