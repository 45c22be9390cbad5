using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorLog.Hosting;

/// <summary>
/// SIGTERM for broker processes: .NET can only SIGKILL another process, but a broker must get the chance to
/// leave the cluster gracefully.
/// </summary>
public static class ProcessSignals
{
    public static void Terminate(int pid)
    {
        if (OperatingSystem.IsWindows()) Process.GetProcessById(pid).Kill();
        else _ = Kill(pid, 15);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
