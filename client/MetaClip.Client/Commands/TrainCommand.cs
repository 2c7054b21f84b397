using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MetaClip.Client.Cluster;
using MetaClip.Engine.Storage;
using MetaClip.Training;

namespace MetaClip.Client.Commands;

/// <summary>
/// <c>metaclip train --job DIR --out RUN</c>: trains a CLIP model on a curation job's output, in this process (CPU, or
/// the GPU libtorch of a GPU build), checkpointing into the run folder; the same command on the same folder resumes.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var job = new Option<string>("--job") { Description = "The curation job's output folder (what 'metaclip curate --out' wrote; its snapshot must have image bytes).", Required = true, HelpName = "DIR" };
        var run = new Option<string>("--out") { Description = "The run folder: run.json, tokenizer.json, checkpoints/, metrics.jsonl and model.ckpt (local or az://). An existing run there is resumed.", Required = true, HelpName = "RUN" };
        var online = new Option<bool>("--online") { Description = "Online curation (MetaCLIP 2): every epoch a fresh balanced draw from the job's matched pool (the spec's draw with epoch = e), instead of the job's curated set." };
        var preset = new Option<string>("--preset") { Description = $"The model: {string.Join(", ", ClipConfig.Presets.Select(p => p.Name))}.", DefaultValueFactory = _ => "tiny", HelpName = "NAME" };
        preset.AcceptOnlyFromAmong([.. ClipConfig.Presets.Select(p => p.Name)]);
        var steps = new Option<int>("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => 300, HelpName = "N" };
        var batch = new Option<int>("--batch") { Description = "Pairs per micro-batch (the contrastive negatives).", DefaultValueFactory = _ => 64, HelpName = "N" };
        var accumulate = new Option<int>("--accumulate") { Description = "Micro-batches per optimiser step (gradient accumulation).", DefaultValueFactory = _ => 1, HelpName = "N" };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate (linear warm-up, then cosine to 0).", DefaultValueFactory = _ => 1e-3, HelpName = "LR" };
        var warmup = new Option<int?>("--warmup") { Description = "Warm-up steps (default: a tenth of --steps).", HelpName = "N" };
        var seed = new Option<long>("--seed") { Description = "Seeds the initial weights and the data order.", DefaultValueFactory = _ => 0, HelpName = "S" };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write a checkpoint every N steps (also at the end and on Ctrl+C).", DefaultValueFactory = _ => 100, HelpName = "N" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "A SentencePiece .model file (e.g. XLM-V's sentencepiece.bpe.model). Default: o200k_base, compacted to the training texts' tokens.", HelpName = "FILE" };
        var device = new Option<string>("--device") { Description = "auto (CUDA when libtorch sees a GPU, else the CPU), cpu, or cuda[:N].", DefaultValueFactory = _ => "auto", HelpName = "DEVICE" };
        var precision = new Option<string>("--precision") { Description = "auto (bf16 on CUDA, fp32 on a CPU), fp32, or bf16 (forward and backward in bf16, weights and optimiser in float32).", DefaultValueFactory = _ => "auto" };
        precision.AcceptOnlyFromAmong("auto", "fp32", "bf16");
        var submit = new Option<bool>("--submit") { Description = "Submit to a running cluster instead (a silo with accelerator=gpu, or training=accept, trains it): prints a job id for 'metaclip watch'. --job and --out must then be locations every silo reaches (az://, or a shared folder)." };
        var connection = new ClusterConnection();
        var threads = new Option<int>("--threads") { Description = "CPU threads for libtorch (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount, HelpName = "N" };
        var command = new Command("train",
            "Train a CLIP model on a curation job's output (contrastive loss, AdamW, warm-up + cosine), checkpointing as it goes.\n\n" +
            "Example:\n  metaclip curate --snapshot samples/fashion/snapshot --metadata samples/fashion/metadata --lang-column lang --t-en 60 --out out/fashion\n" +
            "  metaclip train --job out/fashion --online --preset tiny --steps 300 --out out/fashion-run")
        {
            job, run, online, preset, steps, batch, accumulate, learningRate, warmup, seed, checkpointEvery, tokenizer, threads, device, precision, submit,
        };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            int stepCount = parse.GetValue(steps);
            var spec = new TrainingRunSpec
            {
                Job = parse.GetRequiredValue(job),
                Online = parse.GetValue(online),
                Preset = parse.GetRequiredValue(preset),
                Tokenizer = parse.GetValue(tokenizer),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                Training = new TrainingOptions
                {
                    Steps = stepCount,
                    BatchSize = parse.GetValue(batch),
                    AccumulationSteps = parse.GetValue(accumulate),
                    LearningRate = parse.GetValue(learningRate),
                    WarmupSteps = parse.GetValue(warmup) ?? stepCount / 10,
                    Seed = parse.GetValue(seed),
                    Device = parse.GetRequiredValue(device),
                    Precision = parse.GetRequiredValue(precision) switch { "fp32" => TrainingPrecision.Fp32, "bf16" => TrainingPrecision.Bf16, _ => TrainingPrecision.Auto },
                },
            };
            try
            {
                spec.Validate();
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync($"metaclip: error: {e.Message}").ConfigureAwait(false);
                return MetaClipCommandLine.UsageError;
            }

            string folder = DataStore.Normalize(parse.GetRequiredValue(run));
            if (parse.GetValue(submit))
            {
                await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
                string id = TrainingClusterJob.NewId();
                var t = spec.Training;
                MetaClip.GrainInterfaces.ITrainingJobGrain job;
                try
                {
                    job = client.Client.GetGrain<MetaClip.GrainInterfaces.ITrainingJobGrain>(id);
                }
                catch (ArgumentException e) when (e.Message.StartsWith("Could not find an implementation", StringComparison.Ordinal))
                {
                    // The training grains are a plugin that only training silos load: with none, the cluster does not know the grain.
                    throw new MetaClip.Engine.CurationException(
                        "no silo of this cluster trains: start one with Orleans__Metadata__accelerator=gpu, or Orleans__Metadata__training=accept to train on a CPU silo " +
                        "(silo/run-local-cluster.sh: METACLIP_TRAINING_SILOS)", e);
                }

                var status = await job.Start(new MetaClip.GrainInterfaces.TrainingJobSpec(
                    DataStore.Normalize(spec.Job), folder, spec.Online, spec.Preset, t.Steps, t.BatchSize, t.AccumulationSteps, t.LearningRate, t.WarmupSteps, t.Seed,
                    spec.CheckpointEvery, spec.Tokenizer, t.Device, t.Precision.ToString())).ConfigureAwait(false);
                await output.WriteLineAsync($"Submitted training job {id} (on {status.Silo}).").ConfigureAwait(false);
                await output.WriteLineAsync($"Follow it: metaclip watch {id} --cluster {parse.GetValue(connection.Cluster)}").ConfigureAwait(false);
                return MetaClipCommandLine.Success;
            }

            TorchSharp.torch.set_num_threads(parse.GetValue(threads));
            var progress = new TrainingLines(output);
            try
            {
                var result = await Task.Run(() => new TrainingRun(spec, folder, DataStore.FromEnvironment(), progress).RunAsync(cancellationToken), CancellationToken.None).ConfigureAwait(false);
                var inv = CultureInfo.InvariantCulture;
                foreach (string skipped in result.Skipped.Take(5))
                {
                    await output.WriteLineAsync("skipped: " + skipped).ConfigureAwait(false);
                }

                if (result.Skipped.Count > 5)
                {
                    await output.WriteLineAsync($"skipped: … and {result.Skipped.Count - 5} more").ConfigureAwait(false);
                }

                await output.WriteLineAsync(string.Create(inv,
                    $"Trained {result.Steps:N0} steps on {result.Pairs:N0} pairs{(result.ResumedFromStep > 0 ? $" (resumed from step {result.ResumedFromStep:N0})" : "")}: final loss {result.FinalLoss:0.0000}, {result.ImagesPerSecond:0} images/s, data wait {result.DataWaitShare:P1} of the time.")).ConfigureAwait(false);
                await output.WriteLineAsync($"Model:   {result.Checkpoint}").ConfigureAwait(false);
                await output.WriteLineAsync($"Metrics: {DataStore.Combine(folder, TrainingRun.MetricsFile)}").ConfigureAwait(false);
                return MetaClipCommandLine.Success;
            }
            catch (OperationCanceledException)
            {
                await error.WriteLineAsync($"metaclip: cancelled at step {progress.LastStep}; a checkpoint was written: run the same command again to resume").ConfigureAwait(false);
                return MetaClipCommandLine.Cancelled;
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or InvalidOperationException or ArgumentException)
            {
                await error.WriteLineAsync($"metaclip: error: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
                return MetaClipCommandLine.InputError;
            }
        });
        return command;
    }

    /// <summary>Plain progress lines: the start, then at most one line every two seconds, and the last step.</summary>
    private sealed class TrainingLines(TextWriter output) : IProgress<TrainingProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan? _last;

        public long LastStep { get; private set; }

        public void Report(TrainingProgress value)
        {
            LastStep = value.Step;
            var inv = CultureInfo.InvariantCulture;
            if (value.Detail is string detail)
            {
                output.WriteLine($"train: {detail}");
                return;
            }

            if (value.Step < value.Steps && _last is TimeSpan last && _clock.Elapsed - last < TimeSpan.FromSeconds(2))
            {
                return;
            }

            _last = _clock.Elapsed;
            output.WriteLine(string.Create(inv,
                $"step {value.Step}/{value.Steps}  loss {value.Loss:0.0000}  lr {value.LearningRate:0.###e+0}  epoch {value.Epoch}  {value.ImagesPerSecond:0} img/s  data wait {value.DataWaitShare:P1}  ETA {value.Remaining:hh\\:mm\\:ss}"));
        }
    }
}
