using System.Diagnostics;
using System.Reflection;
using ActorLog.Hosting;

namespace ActorLog.Cli.Processes;

/// <summary>
/// One broker as a child `actorlog node` process with a fixed id, port and data dir, so it can be killed and
/// started again as the same broker. Every incarnation appends its output to the data dir's broker.log.
/// </summary>
internal sealed class BrokerProcess : IDisposable
{
    private readonly string _seeds;
    private readonly StreamWriter _log;
    private volatile Process? _process;

    public BrokerProcess(int brokerId, int port, string seeds, string dataDir)
    {
        BrokerId = brokerId;
        Port = port;
        DataDir = dataDir;
        _seeds = seeds;
        Directory.CreateDirectory(dataDir);
        _log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
    }

    public int BrokerId { get; }
    public int Port { get; }
    public string DataDir { get; }
    public string LogPath => Path.Combine(DataDir, "broker.log");
    public int Pid => _process?.Id ?? -1;
    public bool IsRunning => _process is { HasExited: false };
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>This program started again with <paramref name="args"/>: the apphost directly, or `dotnet actorlog.dll`.</summary>
    public static ProcessStartInfo SelfStartInfo(params string[] args)
    {
        var processPath = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(processPath) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }

    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException($"Broker {BrokerId} is already running (pid {Pid})");
        // Unpublish before disposing: the chaos supervisor polls IsRunning from another thread, and a disposed
        // Process throws ("No process is associated with this object") instead of answering.
        var previous = _process;
        _process = null;
        previous?.Dispose();
        var info = SelfStartInfo("node", "--broker-id", BrokerId.ToString(), "--port", Port.ToString(), "--seeds", _seeds, "--data-dir", DataDir);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start broker {BrokerId}");
        process.StandardInput.Close();
        // A marker per incarnation: after kills and restarts, one log holds them all.
        WriteLog($"===== {DateTime.UtcNow:O} broker {BrokerId} started, pid {process.Id} =====");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) WriteLog(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) WriteLog(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL, as in a crash: no goodbye to the cluster. Returns once the process is gone.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        WriteLog($"===== {DateTime.UtcNow:O} broker {BrokerId} killed (SIGKILL) =====");
    }

    /// <summary>
    /// SIGSTOP: the broker stops, its sockets open, as in a long garbage collection or a frozen VM; the others see it
    /// go silent, not go away. <see cref="Resume"/> lets it run on from where it was.
    /// </summary>
    public void Pause()
    {
        if (_process is null || _process.HasExited) return;
        ProcessSignals.Stop(_process.Id);
        WriteLog($"===== {DateTime.UtcNow:O} broker {BrokerId} paused (SIGSTOP) =====");
    }

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume()
    {
        if (_process is null || _process.HasExited) return;
        ProcessSignals.Continue(_process.Id);
        WriteLog($"===== {DateTime.UtcNow:O} broker {BrokerId} resumed (SIGCONT) =====");
    }

    /// <summary>SIGTERM so the broker leaves the cluster gracefully; SIGKILL if it is still there after <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process is null || _process.HasExited) return;
        ProcessSignals.Terminate(_process.Id);
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Kill(); }
    }

    private void WriteLog(string line)
    {
        lock (_log)
        {
            try { _log.WriteLine(line); }
            catch (ObjectDisposedException) { } // output that arrives after Dispose
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        lock (_log) _log.Dispose();
    }
}
