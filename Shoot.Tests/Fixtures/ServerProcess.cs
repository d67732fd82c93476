using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Shoot.Tests.Fixtures;

/// <summary>
/// A child process a fixture owns. Its output is kept so that a server that will not start explains why;
/// it is killed together with its children on dispose and, should a fixture never get disposed
/// (a test host torn down mid-run), when the test host exits.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int MaxKeptOutputChars = 64 * 1024;
    private static readonly ConcurrentDictionary<ServerProcess, bool> Running = new();

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();
    private readonly bool _keepStandardOutput;

    static ServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Running.Keys)
            {
                server.Kill();
            }
        };
    }

    private ServerProcess(string commandLine, Process process, bool keepStandardOutput)
    {
        CommandLine = commandLine;
        _process = process;
        _keepStandardOutput = keepStandardOutput;
    }

    public string CommandLine { get; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a program; with <paramref name="runAsUser"/> and when we are root, as that OS user;
    /// <paramref name="configure"/> may set its environment or working directory.
    /// </summary>
    public static ServerProcess Start(
        string fileName, IEnumerable<string> arguments, string? runAsUser = null, Action<ProcessStartInfo>? configure = null) =>
        Start(fileName, arguments, runAsUser, configure, keepStandardOutput: false);

    private static ServerProcess Start(
        string fileName, IEnumerable<string> arguments, string? runAsUser, Action<ProcessStartInfo>? configure, bool keepStandardOutput)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Servers such as PostgreSQL refuse to run as root; as an ordinary user we simply run them as ourselves.
        if (runAsUser is not null && Environment.IsPrivilegedProcess)
        {
            startInfo.UserName = runAsUser;
        }

        configure?.Invoke(startInfo);

        var commandLine = string.Join(' ', startInfo.ArgumentList.Prepend(fileName).Select(a => a.Length == 0 ? "''" : a));
        var process = new Process { StartInfo = startInfo };
        var server = new ServerProcess(commandLine, process, keepStandardOutput);
        process.OutputDataReceived += (_, e) => server.Append(e.Data, standardOutput: true);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data, standardOutput: false);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException(
                $"Cannot start `{commandLine}`: {ex.Message}. scripts/test.sh installs the servers the tests need.", ex);
        }

        Running[server] = true;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Starts a server and waits until <paramref name="isReady"/> says yes; kills it if it never does.</summary>
    public static async Task<ServerProcess> StartReadyAsync(
        string fileName,
        IEnumerable<string> arguments,
        Func<Task<bool>> isReady,
        TimeSpan timeout,
        string? runAsUser = null,
        Action<ProcessStartInfo>? configure = null)
    {
        var server = Start(fileName, arguments, runAsUser, configure);
        try
        {
            await server.WaitUntilReadyAsync(isReady, timeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs a program to its end and returns its standard output; a non-zero exit code throws with all it printed.
    /// </summary>
    public static async Task<string> RunAsync(
        string fileName, IEnumerable<string> arguments, string? runAsUser = null, TimeSpan? timeout = null)
    {
        await using var run = Start(fileName, arguments, runAsUser, configure: null, keepStandardOutput: true);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await run._process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"`{run.CommandLine}` did not finish in time:\n{run.Output}");
        }

        if (run._process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{run.CommandLine}` exited with code {run._process.ExitCode}:\n{run.Output}");
        }

        lock (run._output)
        {
            return run._standardOutput.ToString();
        }
    }

    /// <summary>
    /// Polls <paramref name="isReady"/> until it says yes. Fails at once with the server's output when the
    /// server exits (<see cref="ServerExitedException"/>, e.g. its port was taken meanwhile), or after the timeout.
    /// </summary>
    public async Task WaitUntilReadyAsync(Func<Task<bool>> isReady, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? lastError = null;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new ServerExitedException(
                    $"`{CommandLine}` exited with code {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                if (await isReady())
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                lastError = ex;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"`{CommandLine}` was not ready after {timeout}. Last probe error: {lastError?.Message}\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Left to the OS; the fixture still removes its files.
        }

        Running.TryRemove(this, out _);
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    private void Append(string? line, bool standardOutput)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Kept whole: callers of RunAsync parse it. Servers print to it too, so only those runs keep it.
            if (standardOutput && _keepStandardOutput)
            {
                _standardOutput.AppendLine(line);
            }

            if (_output.Length > MaxKeptOutputChars)
            {
                _output.Remove(0, _output.Length - MaxKeptOutputChars / 2);
            }

            _output.AppendLine(line);
        }
    }
}

/// <summary>The server process ended before it answered; usually a port taken between choosing and binding it.</summary>
public sealed class ServerExitedException(string message) : Exception(message);
