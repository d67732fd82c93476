using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("Shoot.Tests.Support.SlowClassesFirst", "Shoot.Tests")]

namespace Shoot.Tests.Support;

/// <summary>
/// Starts the test classes that take longest first, the rest after them in xunit's own order. xunit runs a few
/// classes at once (maxParallelThreads in xunit.runner.json) and a class's tests one after another, so a long class
/// that happened to start late ran alone at the end of the suite; started first, it runs beside all the others.
/// The list is of classes that wait on real timeouts for half a minute or more (measured per class in a run's TRX,
/// docs/testing.md); a class missing from it only starts in xunit's order, and a renamed one fails the build.
/// </summary>
public sealed class SlowClassesFirst : ITestCollectionOrderer
{
    private static readonly Type[] Slowest =
    [
        typeof(Infrastructure.Messaging.Pipeline.KafkaPersistencePipelineTests),
        typeof(Features.Messages.PipelineOutageTests),
        typeof(Deployment.DockerBuildStageTests),
        typeof(Infrastructure.Messaging.Pipeline.OutboxPersistencePipelineTests),
        typeof(Infrastructure.Messaging.Pipeline.DirectToStorePipelineTests),
        typeof(Features.Messages.ScaledOutFailureTests),
        typeof(Infrastructure.Messaging.Pipeline.PersistenceHandOffTests),
        typeof(Api.HttpScenarioTests),
        typeof(Infrastructure.Stomp.Server.StompFuzzTests),
        typeof(Infrastructure.Messaging.Pipeline.KafkaPipelineOutageTests),
    ];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections
            .OrderBy(c => Rank(c.DisplayName))
            // xunit's default order: unpredictable but stable.
            .ThenBy(c => c.UniqueID);

    // A class's own collection is named "Test collection for <full class name>".
    private static int Rank(string collection)
    {
        var index = Array.FindIndex(Slowest, t => collection == "Test collection for " + t.FullName);
        return index < 0 ? Slowest.Length : index;
    }
}
