using Xunit;

namespace ActorLog.Tests.MultiNode;

/// <summary>Multi-node specs run one at a time: each starts three brokers, and a 2-core machine has room for one cluster.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiNodeCollection
{
    public const string Name = "multi-node";
}
