using System.Data.Common;

namespace Shoot.Infrastructure.Persistence;

/// <summary>
/// One statement run for many rows of a transaction, compiled once: Dapper builds a new command per call, and SQLite
/// parses and plans each new command again — for the pipeline's group inserts (hundreds of rows per commit) that cost
/// more than the inserts themselves. Microsoft.Data.Sqlite keeps a command's compiled statement between executions
/// as long as its text does not change, so this only binds new values and steps.
/// </summary>
public sealed class RepeatedStatement : IAsyncDisposable
{
    private readonly DbCommand _command;

    public RepeatedStatement(DbConnection connection, DbTransaction transaction, string sql, params string[] parameterNames)
    {
        _command = connection.CreateCommand();
        _command.Transaction = transaction;
        _command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            var parameter = _command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = DBNull.Value;
            _command.Parameters.Add(parameter);
        }
    }

    /// <summary>Sets the value of the parameter at <paramref name="index"/> (in the order given to the constructor).</summary>
    public RepeatedStatement Bind(int index, object? value)
    {
        _command.Parameters[index].Value = value ?? DBNull.Value;
        return this;
    }

    public Task<int> ExecuteAsync(CancellationToken cancellationToken = default) => _command.ExecuteNonQueryAsync(cancellationToken);

    public ValueTask DisposeAsync() => _command.DisposeAsync();
}
