using Xunit;

namespace ActorLog.IntegrationTests;

/// <summary>Process-level tests run one at a time: each runs a cluster of broker processes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "processes";
}
