using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorLog.Hosting;

/// <summary>
/// SIGTERM for broker processes: .NET can only SIGKILL another process, but a broker must get the chance to
/// leave the cluster gracefully. SIGSTOP and SIGCONT freeze and thaw one (the chaos command's pause fault).
/// </summary>
public static class ProcessSignals
{
    public static void Terminate(int pid)
    {
        if (OperatingSystem.IsWindows()) Process.GetProcessById(pid).Kill();
        else _ = Kill(pid, 15);
    }

    /// <summary>SIGSTOP: the process stops running, sockets and all, until <see cref="Continue"/> (Linux signal numbers).</summary>
    public static void Stop(int pid) => Signal(pid, OperatingSystem.IsMacOS() ? 17 : 19, "SIGSTOP");

    /// <summary>SIGCONT: a stopped process runs again.</summary>
    public static void Continue(int pid) => Signal(pid, OperatingSystem.IsMacOS() ? 19 : 18, "SIGCONT");

    private static void Signal(int pid, int signal, string name)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException($"{name} needs a Unix system");
        if (Kill(pid, signal) != 0) throw new InvalidOperationException($"{name} to process {pid} failed (errno {Marshal.GetLastPInvokeError()})");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
