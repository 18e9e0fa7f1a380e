using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SegFuse.Server.Api;
using SegFuse.Server.Competitions;
using SegFuse.Server.Scoring;
using SegFuse.Server.Storage;

namespace SegFuse.Server;

/// <summary>
/// The competition server: Kestrel with the pages and the JSON API, and the background scoring queue, on one data
/// folder. At start-up it migrates the database, queues again the submissions a previous run left half-scored,
/// and removes what an interrupted upload or scoring left behind.
/// </summary>
/// <remarks>One server per data folder: a second one on the same folder is refused (a lock file is held).</remarks>
public sealed class CompetitionServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FileStream _lock;
    private readonly Database _db;
    private bool _disposed;

    private CompetitionServer(WebApplication app, FileStream lockFile, Database db, IReadOnlyList<string> urls, int requeued)
    {
        _app = app;
        _lock = lockFile;
        _db = db;
        Urls = urls;
        Requeued = requeued;
    }

    /// <summary>The addresses the server listens on (with the real port when port 0 was asked for).</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>Submissions found half-scored at start-up and queued again.</summary>
    public int Requeued { get; }

    /// <summary>Starts the server; it runs until <see cref="DisposeAsync"/>.</summary>
    /// <exception cref="SegFuseInputException">The data folder is unusable or already served by another process.</exception>
    public static async Task<CompetitionServer> StartAsync(ServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = CompetitionStore.Open(options.DataDirectory);
        var data = store.Data;
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(data.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new SegFuseInputException(data.Root, "another segfuse server is serving this data folder", e);
        }

        try
        {
            var log = new ServerLog(options.Log, options.Clock);
            int requeued = ScoringWorker.RequeueInterrupted(store.Database);
            CleanUp(data, store.Database);

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                Args = [],
                ContentRootPath = data.Root,
                EnvironmentName = Environments.Production,
                ApplicationName = "SegFuse.Server",
            });
            builder.WebHost.UseUrls([.. options.Urls]);
            builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new LogForwarder(log));
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
            builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
            var worker = new ScoringWorker(store.Database, data, options, log);
            builder.Services.AddSingleton<IHostedService>(worker);

            var app = builder.Build();
            app.Use((ctx, next) => HandleErrorsAsync(ctx, next, log));
            Endpoints.Map(app, store.Database, options, new SubmissionIntake(store.Database, data, options, worker, log));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            var urls = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [.. options.Urls];
            log.Info($"serving {data.Root} on {string.Join(", ", urls)}; {requeued} interrupted submission(s) queued again; {options.ScoringWorkers} scoring worker(s)");
            return new CompetitionServer(app, lockFile, store.Database, urls, requeued);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Stops the server: requests in flight finish, a submission being scored goes back to the queue.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            using (var c = _db.Connect())
            {
                SqliteConnection.ClearPool(c);
            }

            await _lock.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Turns <see cref="ApiException"/> and request-size failures into one JSON error answer.</summary>
    private static async Task HandleErrorsAsync(HttpContext ctx, RequestDelegate next, ServerLog log)
    {
        try
        {
            await next(ctx).ConfigureAwait(false);
        }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            await WriteErrorAsync(ctx, e.Status, e.Code, e.Message, e.RetryAfterSeconds).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!ctx.Response.HasStarted)
        {
            string code = e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "too_large" : "bad_request";
            await WriteErrorAsync(ctx, e.StatusCode, code, e.Message, null).ConfigureAwait(false);
        }
        catch (Exception e) when (!ctx.Response.HasStarted && e is not OperationCanceledException)
        {
            log.Info($"{ctx.Request.Method} {ctx.Request.Path}: {e.GetType().Name}: {e.Message}");
            await WriteErrorAsync(ctx, StatusCodes.Status500InternalServerError, "internal", "the server failed to answer this request; the host's log has the details", null).ConfigureAwait(false);
        }
    }

    private static async Task WriteErrorAsync(HttpContext ctx, int status, string code, string message, int? retryAfter)
    {
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        if (retryAfter is int s)
        {
            ctx.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (status == StatusCodes.Status401Unauthorized)
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await ctx.Response.WriteAsJsonAsync(new ApiError(code, message)).ConfigureAwait(false);
    }

    /// <summary>Removes what a crash can leave: unfinished uploads, work folders, staging folders, submission folders without a row.</summary>
    private static void CleanUp(DataFolder data, Database db)
    {
        foreach (var f in Directory.EnumerateFiles(data.Incoming))
        {
            DataFolder.TryDelete(f);
        }

        foreach (var d in Directory.EnumerateDirectories(data.CompetitionsRoot, ".staging-*"))
        {
            DataFolder.TryDelete(d);
        }

        var known = new HashSet<string>(StringComparer.Ordinal);
        using (var c = db.Connect())
        using (var cmd = c.Command("SELECT id FROM submissions"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                known.Add(r.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        foreach (var dir in Directory.EnumerateDirectories(data.SubmissionsRoot))
        {
            if (!known.Contains(Path.GetFileName(dir)))
            {
                DataFolder.TryDelete(dir);
                continue;
            }

            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                string name = Path.GetFileName(sub);
                if (name == "work" || name.StartsWith("rescore-", StringComparison.Ordinal))
                {
                    DataFolder.TryDelete(sub);
                }
            }

            DataFolder.TryDelete(Path.Combine(dir, "fetched.part"));
        }
    }

    /// <summary>The host's lifetime without console hooks: the CLI (or a test) decides when to stop.</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Sends ASP.NET Core's warnings and errors to the server log.</summary>
    private sealed class LogForwarder(ServerLog log) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Info($"{logLevel}: {formatter(state, exception)}{(exception is null ? string.Empty : $" ({exception.GetType().Name}: {exception.Message})")}");
            }
        }

        public void Dispose()
        {
        }
    }
}
