using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ActorLog.Hosting;
using Xunit;

namespace ActorLog.Tests.Unit;

public sealed class BrokerHostTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorlog-broker-host-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void The_broker_host_watches_no_files()
    {
        // The default host watches appsettings.json under the working directory, recursively: with the data dirs
        // below it, every journal write woke a thread in every broker.
        using var host = BrokerHosting.BuildBrokerHost(new BrokerOptions
        {
            BrokerId = 1,
            Host = "127.0.0.1",
            Port = LoopbackPorts.Free(1)[0],
            DataDir = Path.Combine(_dir, "data"),
        });
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        var files = configuration.Providers.OfType<FileConfigurationProvider>().ToList();
        Assert.NotEmpty(files); // appsettings.json is still read, once
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f} reloads on change"));
        Assert.Equal(AppContext.BaseDirectory, host.Services.GetRequiredService<IHostEnvironment>().ContentRootPath);
    }
}
