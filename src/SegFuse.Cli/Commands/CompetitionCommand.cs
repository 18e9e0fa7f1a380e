using System.CommandLine;
using System.Globalization;
using SegFuse.Scoring;
using SegFuse.Server.Competitions;
using SegFuse.Server.Scoring;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse competition</c>: the host's side, run against the server's data folder (also while it runs).</summary>
internal static class CompetitionCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("competition", "Host a competition: create it from a hidden ground-truth folder, register teams, rescore after the ground truth or the scorer changed. Works on the data folder, also while 'segfuse serve' runs on it.");
        command.Subcommands.Add(CreateCommand(console));
        command.Subcommands.Add(AddTeamCommand(console));
        command.Subcommands.Add(ListCommand(console));
        command.Subcommands.Add(RescoreCommand(console));
        command.Subcommands.Add(DeadlineCommand(console));
        return command;
    }

    private static Option<DirectoryInfo> DataOption()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "The server's data folder (created when missing).",
            Required = true,
        };
        data.AcceptLegalFilePathsOnly();
        return data;
    }

    private static Option<long> CompetitionOption() => new("--competition")
    {
        Description = "The competition id (printed by 'competition create').",
        Required = true,
    };

    private static Command CreateCommand(CliConsole console)
    {
        var data = DataOption();
        var name = new Option<string>("--name") { Description = "The competition's name (unique on the server).", Required = true };
        var gt = new Option<DirectoryInfo>("--gt") { Description = "The hidden ground truth: one PNG per frame named by its index in the test video (--layout frames), or the Cityscapes layout. It is copied into the data folder.", Required = true };
        var labels = new Option<string>("--labels") { Description = "Label set: cityscapes, cityscapes-trainids, ade20k, voc, or a JSON file.", DefaultValueFactory = _ => "cityscapes-trainids" };
        var layout = new Option<DatasetLayout>("--layout") { Description = "Ground-truth layout: frames (by frame index) or cityscapes (<city>/<city>_<seq>_<frame>_gtFine_labelIds.png; frame i = i-th key).", DefaultValueFactory = _ => DatasetLayout.Frames };
        var frames = new Option<int?>("--frames") { Description = "Frames of the test video a submitted video must have (default: last ground-truth frame index + 1)." };
        var fraction = new Option<double>("--public-fraction") { Description = "Share of the scored frames on the public leaderboard; the rest decide the private one, shown after the deadline.", DefaultValueFactory = _ => 0.3 };
        var deadline = new Option<string?>("--deadline") { Description = "When submissions close, ISO 8601 (e.g. 2026-12-31T23:59:00Z; no offset = UTC)." };
        var limit = new Option<int>("--daily-limit") { Description = "Submissions per team per UTC day; failures for server-side reasons do not count.", DefaultValueFactory = _ => 5 };
        var maxUpload = new Option<double>("--max-upload-mb") { Description = "Largest upload accepted, in MiB.", DefaultValueFactory = _ => 256 };
        var noInstances = new Option<bool>("--no-instances") { Description = "Do not import Cityscapes instance maps (no iIoU)." };
        var command = new Command("create", "Create a competition; prints its id as the last line.")
        {
            data, name, gt, labels, layout, frames, fraction, deadline, limit, maxUpload, noInstances,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var store = CompetitionStore.Open(parse.GetValue(data)!.FullName);
            double mb = parse.GetValue(maxUpload);
            if (!(mb > 0) || mb > 1024 * 1024)
            {
                throw new SegFuseInputException("--max-upload-mb", "must be a positive number of MiB");
            }

            var spec = new CompetitionSpec
            {
                Name = parse.GetValue(name)!,
                GroundTruth = parse.GetValue(gt)!.FullName,
                Labels = parse.GetValue(labels)!,
                Layout = parse.GetValue(layout),
                VideoFrames = parse.GetValue(frames),
                PublicFraction = parse.GetValue(fraction),
                Deadline = ParseDeadline(parse.GetValue(deadline)),
                DailyLimit = parse.GetValue(limit),
                MaxUploadBytes = (long)(mb * 1024 * 1024),
                Instances = !parse.GetValue(noInstances),
            };
            long id = store.Create(spec, ct);
            var summary = store.List().First(c => c.Id == id);
            console.Error.WriteLine($"created competition {id} '{summary.Name}': {summary.ScoredFrames} scored frames, label set {summary.LabelSet}, ground truth {summary.GtHash[..12]}, deadline {(summary.Deadline is { } d ? d.ToString("O", CultureInfo.InvariantCulture) : "none")}");
            console.Out.WriteLine(id.ToString(CultureInfo.InvariantCulture));
            return 0;
        });
        return command;
    }

    private static Command AddTeamCommand(CliConsole console)
    {
        var data = DataOption();
        var competition = CompetitionOption();
        var name = new Option<string>("--name") { Description = "The team's name.", Required = true };
        var command = new Command("add-team", "Register a team; prints its token as the last line (shown once: only its hash is stored).")
        {
            data, competition, name,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var store = CompetitionStore.Open(parse.GetValue(data)!.FullName);
            string token = store.AddTeam(parse.GetValue(competition), parse.GetValue(name)!);
            console.Error.WriteLine($"team '{parse.GetValue(name)}' registered for competition {parse.GetValue(competition)}; give it this token:");
            console.Out.WriteLine(token);
            return 0;
        });
        return command;
    }

    private static Command ListCommand(CliConsole console)
    {
        var data = DataOption();
        var command = new Command("list", "List the competitions of a data folder.") { data };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var store = CompetitionStore.Open(parse.GetValue(data)!.FullName);
            console.Out.WriteLine($"{"id",4}  {"name",-30} {"labels",-20} {"frames",6} {"teams",5} {"subs",5}  deadline");
            foreach (var c in store.List())
            {
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Id,4}  {Truncate(c.Name, 30),-30} {c.LabelSet,-20} {c.ScoredFrames,6} {c.Teams,5} {c.Submissions,5}  {(c.Deadline is { } d ? d.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "none")}"));
            }

            return 0;
        });
        return command;
    }

    private static Command RescoreCommand(CliConsole console)
    {
        var data = DataOption();
        var competition = CompetitionOption();
        var gt = new Option<DirectoryInfo?>("--gt") { Description = "Replace the ground truth first (same frames, size and label set), e.g. after fixing labels." };
        var layout = new Option<DatasetLayout>("--layout") { Description = "Layout of --gt.", DefaultValueFactory = _ => DatasetLayout.Frames };
        var command = new Command("rescore", $"Score every scored submission again with this segfuse's scorer ({ScorerVersion.Current}) and the current ground truth; the leaderboard then shows the new scores.")
        {
            data, competition, gt, layout,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var store = CompetitionStore.Open(parse.GetValue(data)!.FullName);
            using var bar = console.Progress("rescore", 0, "submissions");
            var progress = new Progress(bar);
            var result = store.Rescore(parse.GetValue(competition), parse.GetValue(gt)?.FullName, parse.GetValue(layout), progress, ct);
            bar.Dispose();
            if (result.GroundTruthChanged)
            {
                console.Out.WriteLine($"ground truth replaced: {result.GtHash[..12]}");
            }

            foreach (var (id, reason) in result.Failed)
            {
                console.Warn($"submission {id} could not be rescored: {reason}");
            }

            console.Out.WriteLine($"rescored {result.Rescored} submission(s) with {result.ScorerVersion} on ground truth {result.GtHash[..12]}; {result.Failed.Count} failed");
            return result.Failed.Count == 0 ? 0 : SegFuseCli.ExitInternal;
        });
        return command;
    }

    private static Command DeadlineCommand(CliConsole console)
    {
        var data = DataOption();
        var competition = CompetitionOption();
        var deadline = new Option<string>("--deadline") { Description = "New deadline, ISO 8601, or 'none'.", Required = true };
        var command = new Command("set-deadline", "Move (or remove) a competition's deadline.") { data, competition, deadline };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var store = CompetitionStore.Open(parse.GetValue(data)!.FullName);
            string text = parse.GetValue(deadline)!;
            var when = text.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : ParseDeadline(text);
            store.SetDeadline(parse.GetValue(competition), when);
            console.Out.WriteLine(when is { } d ? $"deadline {d.ToString("O", CultureInfo.InvariantCulture)}" : "no deadline");
            return 0;
        });
        return command;
    }

    internal static DateTimeOffset? ParseDeadline(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
        {
            return d;
        }

        throw new SegFuseInputException("--deadline", $"'{text}' is not an ISO 8601 time (e.g. 2026-12-31T23:59:00Z)");
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    private sealed class Progress(ProgressBar bar) : IProgress<(long Done, long Total)>
    {
        public void Report((long Done, long Total) value)
        {
            bar.Total = value.Total;
            bar.Report(value.Done);
        }
    }
}
