using Akka.DistributedData;

namespace ActorLog.Metadata;

public static class MetadataKey
{
    /// <summary>The whole cluster metadata as one last-writer-wins register; the controller is its only writer.</summary>
    public static readonly LWWRegisterKey<ClusterMetadata> Key = new("actorlog-metadata");

    public static ClusterMetadata ValueOf(IReplicatedData? data) =>
        data is LWWRegister<ClusterMetadata> register ? register.Value : ClusterMetadata.Empty;
}
