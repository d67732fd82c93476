namespace Shoot.Tests.Support;

/// <summary>Waiting for something the server does in the background (a read over STOMP, a message being stored).</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test if it does not within <paramref name="patience"/> (10 s).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException("Timed out waiting for the condition");
            await Task.Delay(20);
        }
    }
}
