using System.Net;
using System.Net.Sockets;

namespace Shoot.Tests.Fixtures;

public static class FreePort
{
    /// <summary>A loopback port nobody listens on right now (the OS picks it).</summary>
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>
    /// Starts a server on a free port, trying another port when the server exits before answering:
    /// between choosing a port and the server binding it, another process may take it.
    /// </summary>
    public static async Task<T> StartOnFreePortAsync<T>(Func<int, Task<T>> start, int attempts = 3)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start(Next());
            }
            catch (ServerExitedException) when (attempt < attempts)
            {
            }
        }
    }
}
