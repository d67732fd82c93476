using System.ComponentModel;
using System.Diagnostics;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>
/// A widely used third-party client, Debian's python3-stomp (stomp.py), drives the server end to end. Missing python3
/// or the module fails the test with the package to install: it must never pass silently.
/// </summary>
[Trait("Category", "Integration")]
public class StompPythonClientTests
{
    // Debian's interpreter first: python3-stomp installs into its dist-packages, which a pyenv python3 on PATH cannot see.
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    [Fact]
    public async Task Stomp_py_connects_subscribes_sends_acks_and_disconnects_with_receipts()
    {
        await using var host = await StompTestHost.StartAsync();
        var script = Path.Combine(AppContext.BaseDirectory, "Infrastructure", "Stomp", "Server", "stomp_py_client.py");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, host.Uri.ToString(), host.Jwt.Issue("py-user"), "py-user" }) start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"python3 is required for this test (apt-get install python3 python3-stomp): {ex.Message}");
        }
        using var _ = process;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"stomp.py client hung: {await stdout} {await stderr}");
        }

        var output = $"stdout: {await stdout}\nstderr: {await stderr}";
        Assert.False(process.ExitCode == 3, "python3-stomp (and python3-websocket) must be installed: apt-get install python3-stomp python3-websocket\n" + output);
        Assert.True(process.ExitCode == 0, $"stomp.py client failed (exit {process.ExitCode})\n{output}");
        Assert.Contains("OK", await stdout);
        await StompTestHost.Eventually(() => host.Events.Log.Contains("disconnected py-user"), "the stomp.py session to end");
        Assert.Equal(0, host.Broker.SessionCount);
    }
}
