namespace ActorLog.IntegrationTests.Infrastructure;

/// <summary>Waits on a condition (retrying an assertion) instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task Async(Func<Task> assertion, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(interval ?? TimeSpan.FromMilliseconds(300));
            }
        }
    }

    public static async Task<T> Value<T>(Func<Task<T>> attempt, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await attempt();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(interval ?? TimeSpan.FromMilliseconds(300));
            }
        }
    }
}
