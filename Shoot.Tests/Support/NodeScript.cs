using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Shoot.Tests.Deployment;

namespace Shoot.Tests.Support;

/// <summary>
/// Runs a script of the repository's <c>js/test</c> folder with Node.js, next to the pinned packages of <c>js/</c>
/// (installed by <c>npm ci</c>, which scripts/test.sh runs). A missing node or package fails the test, naming what to
/// install: it never passes silently.
/// </summary>
public static class NodeScript
{
    public static string JsFolder => Path.Combine(RepositoryPaths.Root(), "js");

    /// <summary>Runs the script and returns the JSON object it prints as its last stdout line; fails on a non-zero exit.</summary>
    public static async Task<JsonObject> RunAsync(string script, TimeSpan timeout, params string[] arguments)
    {
        if (!Directory.Exists(Path.Combine(JsFolder, "node_modules")))
            throw new Xunit.Sdk.XunitException($"The npm packages of {JsFolder} are missing: run `npm ci` there (scripts/test.sh does).");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = JsFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine("test", script));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"Node.js is required for this test (apt-get install nodejs npm): {ex.Message}");
        }
        using var _ = process;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{script} hung.\nstdout: {await stdout}\nstderr: {await stderr}");
        }
        var output = await stdout;
        if (process.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"{script} failed (exit {process.ExitCode}).\nstdout: {output}\nstderr: {await stderr}");
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return JsonNode.Parse(last ?? throw new Xunit.Sdk.XunitException($"{script} printed nothing.\nstderr: {await stderr}"))!.AsObject();
    }
}
