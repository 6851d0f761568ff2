//! LATENCY: the loop timing its own stalls, and saying what they mean.
//!
//! Chapter: [docs/20-the-loop-looking-at-itself.md](../../../docs/20-the-loop-looking-at-itself.md).
//!
//! ```text
//! LATENCY LATEST                 per event: name, time of the latest spike, its ms, the worst ms
//! LATENCY HISTORY event          its spikes: time, ms (one per second, the last 160)
//! LATENCY GRAPH event            the same as an ASCII sparkline (a bulk string)
//! LATENCY DOCTOR                 a report in words: each event's spikes and what to do
//! LATENCY RESET [event ...] | HISTOGRAM [command ...] | HELP
//! ```
//!
//! The monitor itself ([`crate::server::stats::LatencyMonitor`]) is fed after each command
//! (`command`, or `fast-command` for a command flagged fast) and after each expiry cycle
//! (`expire-cycle`) that took at least `latency-monitor-threshold` milliseconds; see
//! [`super::introspection`]. This file only reads it.
//!
//! Redis counterpart: `latency.c` (and `sparkline.c` for the graph's drawing).

use std::fmt::Write as _;

use crate::resp::Request;

use crate::server::command::{Command, Exec};
use crate::server::stats::LatencySeries;

#[rustfmt::skip]
pub const COMMANDS: &[Command] = &[
    Command::new("latency", -2, &[], latency).subcommands(LATENCY),
];

/// `LATENCY <subcommand>`.
fn latency(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    exec.run_subcommand("LATENCY", LATENCY, req);
}

#[rustfmt::skip]
const LATENCY: &[Command] = &[
    Command::new("latency|latest", 2, &["admin", "noscript", "loading", "stale"], latency_latest).tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Command::new("latency|history", 3, &["admin", "noscript", "loading", "stale"], latency_history).tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Command::new("latency|histogram", -2, &["admin", "noscript", "loading", "stale"], latency_histogram).tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Command::new("latency|reset", -2, &["admin", "noscript", "loading", "stale"], latency_reset).tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
    Command::new("latency|doctor", 2, &["admin", "noscript", "loading", "stale"], latency_doctor).tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Command::new("latency|graph", 3, &["admin", "noscript", "loading", "stale"], latency_graph).tips(&["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]),
    Command::new("latency|help", 2, &["loading", "stale"], latency_help),
];

/// `LATENCY LATEST`: per event, `name, unix time of the latest sample, its milliseconds, the
/// worst ever`.
fn latency_latest(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let events: Vec<(&str, (u64, u64), u64)> = exec
        .state
        .latency
        .events
        .iter()
        .map(|(name, series)| {
            (
                *name,
                series.samples.back().copied().unwrap_or((0, 0)),
                series.max,
            )
        })
        .collect();
    exec.array(events.len());
    for (name, (time, millis), max) in events {
        exec.array(4);
        exec.bulk(name.as_bytes());
        exec.integer(time as i64);
        exec.integer(millis as i64);
        exec.integer(max as i64);
    }
}

/// `LATENCY HISTORY event`: its samples, oldest first, as `unix time, milliseconds`.
fn latency_history(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let samples: Vec<(u64, u64)> = exec
        .state
        .latency
        .events
        .iter()
        .find(|(name, _)| name.as_bytes() == req.arg(2))
        .map(|(_, series)| series.samples.iter().copied().collect())
        .unwrap_or_default();
    exec.array(samples.len());
    for (time, millis) in samples {
        exec.array(2);
        exec.integer(time as i64);
        exec.integer(millis as i64);
    }
}

/// `LATENCY RESET [event ...]`: how many events were forgotten.
fn latency_reset(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let latency = &mut exec.state.latency;
    let reset = if req.len() == 2 {
        latency.reset(None)
    } else {
        req.args()
            .skip(2)
            .map(|event| latency.reset(Some(event)))
            .sum()
    };
    exec.integer(reset as i64);
}

/// A command's name, calls, and `(microseconds, calls up to then)` steps.
type CommandLatencies = (&'static str, u64, Vec<(u64, u64)>);

/// `LATENCY HISTOGRAM [command ...]`: for each command (every one that ran, or those named;
/// a container stands for its subcommands; unknown names are skipped) its calls and the
/// cumulative count of its latencies at each power of two microseconds, as Redis's
/// `fillCommandCDF` (a map, flattened in RESP2).
fn latency_histogram(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let table = &exec.state.table;
    let mut ids: Vec<usize> = Vec::new();
    if req.len() == 2 {
        ids.extend(0..table.all().len());
    } else {
        for name in req.args().skip(2) {
            if let Some((command, id)) = table.lookup_full(name) {
                // A container's own id is never counted: its subcommands are.
                ids.push(id);
                ids.extend((0..command.subcommands.len()).map(|n| table.subcommand_id(id, n)));
            }
        }
    }
    let clock = &exec.state.clock;
    let mut entries: Vec<CommandLatencies> = Vec::new();
    for id in ids {
        let (Some(command), Some(stats)) = (table.all().get(id), exec.state.stats.commands.get(id))
        else {
            continue;
        };
        let Some(histogram) = stats.latency.as_ref().filter(|h| !h.is_empty()) else {
            continue;
        };
        // Cumulative counts at 1.024 µs, 2.048 µs, ... (HdrHistogram's log iteration from
        // 1024 ns, doubling), only where the count grows.
        let mut steps: Vec<(u64, u64)> = Vec::new();
        let mut total = 0;
        for (top, count) in histogram.buckets() {
            let nanos = clock.delta_as_nanos(0, top);
            let mut bound = 1024u64;
            while bound <= nanos && bound < 1 << 62 {
                bound <<= 1;
            }
            total += count;
            match steps.last_mut() {
                Some((micros, cumulative)) if *micros == bound / 1000 => *cumulative = total,
                _ => steps.push((bound / 1000, total)),
            }
        }
        entries.push((command.name, stats.calls, steps));
    }
    exec.array(entries.len() * 2);
    for (name, calls, steps) in entries {
        exec.bulk(name.as_bytes());
        exec.array(4);
        exec.bulk(b"calls");
        exec.integer(calls as i64);
        exec.bulk(b"histogram_usec");
        exec.array(steps.len() * 2);
        for (micros, cumulative) in steps {
            exec.integer(micros as i64);
            exec.integer(cumulative as i64);
        }
    }
}

/// Redis's LATENCY HELP.
fn latency_help(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    exec.help(
        "latency",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
}

/// The samples of `event`, if it has any.
fn series<'s>(exec: &'s Exec<'_, '_>, event: &[u8]) -> Option<(&'static str, &'s LatencySeries)> {
    exec.state
        .latency
        .events
        .iter()
        .find(|(name, _)| name.as_bytes() == event)
        .map(|(name, series)| (*name, series))
}

/// `LATENCY GRAPH event`: the event's samples drawn as an ASCII sparkline, oldest left,
/// each column labelled with how long ago it happened (`12s`, `3m`, `2h`, `1d`), as Redis
/// draws it; `-ERR No samples available for event '...'` for an event never seen.
fn latency_graph(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let now = crate::server::unix_ms() / 1000;
    let graph = series(exec, req.arg(2)).map(|(name, series)| graph(name, series, now as u64));
    match graph {
        Some(graph) => exec.bulk(graph.as_bytes()),
        None => {
            let mut message = b"ERR No samples available for event '".to_vec();
            message.extend_from_slice(req.arg(2));
            message.push(b'\'');
            exec.error_bytes(&message);
        }
    }
}

/// Width of the graph in columns (samples); longer histories continue below.
const GRAPH_COLUMNS: usize = 80;
/// Height of the bars in rows, each row three steps high.
const GRAPH_ROWS: usize = 4;
/// The three steps within a row, lowest first; a row wholly below a bar's top is `|`.
const GRAPH_STEPS: [char; 3] = ['_', 'o', '#'];

/// The whole graph: a title with the highest and lowest sample shown and the worst ever, a
/// rule, then the bars in chunks of [`GRAPH_COLUMNS`].
fn graph(event: &str, series: &LatencySeries, now: u64) -> String {
    let values: Vec<u64> = series.samples.iter().map(|&(_, millis)| millis).collect();
    let labels: Vec<String> = series
        .samples
        .iter()
        .map(|&(time, _)| ago(now.saturating_sub(time)))
        .collect();
    let low = values.iter().copied().min().unwrap_or(0);
    let high = values.iter().copied().max().unwrap_or(0);
    let mut out = format!(
        "{event} - high {high} ms, low {low} ms (all time high {} ms)\n",
        series.max
    );
    out.push_str(&"-".repeat(GRAPH_COLUMNS));
    out.push('\n');
    for (chunk, start) in (0..values.len()).step_by(GRAPH_COLUMNS).enumerate() {
        if chunk > 0 {
            out.push('\n');
        }
        let end = (start + GRAPH_COLUMNS).min(values.len());
        bars(
            &mut out,
            &values[start..end],
            &labels[start..end],
            low,
            high,
        );
    }
    out
}

/// One chunk of columns: [`GRAPH_ROWS`] rows of bars scaled between `low` and `high`, a
/// blank row, then the labels written downwards, a character per row.
fn bars(out: &mut String, values: &[u64], labels: &[String], low: u64, high: u64) {
    let steps = GRAPH_ROWS * GRAPH_STEPS.len();
    let range = (high - low).max(1) as f64;
    let heights: Vec<usize> = values
        .iter()
        .map(|&v| (((v - low) as f64 * steps as f64 / range) as usize).min(steps - 1))
        .collect();
    for row in 0..GRAPH_ROWS {
        // The step this row's lowest character stands for.
        let base = (GRAPH_ROWS - row - 1) * GRAPH_STEPS.len();
        for &height in &heights {
            out.push(match height.checked_sub(base) {
                Some(step) if step < GRAPH_STEPS.len() => GRAPH_STEPS[step],
                Some(_) => '|',
                None => ' ',
            });
        }
        out.push('\n');
    }
    out.push_str(&" ".repeat(values.len()));
    out.push('\n');
    let longest = labels.iter().map(String::len).max().unwrap_or(0);
    for at in 0..longest {
        for label in labels {
            out.push(label.as_bytes().get(at).map_or(' ', |&b| char::from(b)));
        }
        out.push('\n');
    }
}

/// How long ago, in the largest whole unit: `42s`, `5m`, `3h`, `2d`.
fn ago(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

/// `LATENCY DOCTOR`: the monitor's findings in words (a bulk string): for each event, how
/// many spikes, how long on average and how far apart, the worst; then what each kind of
/// event usually means and what to try. The analysis is Redis's (`createLatencyReport`);
/// the words are ours.
fn latency_doctor(exec: &mut Exec<'_, '_>, _req: &Request<'_>) {
    let threshold = exec.state.config.latency_monitor_threshold;
    let report = report(&exec.state.latency.events, threshold);
    exec.bulk(report.as_bytes());
}

/// The report for these events under this threshold (milliseconds, 0 = monitor off).
fn report(events: &[(&'static str, LatencySeries)], threshold: u64) -> String {
    let mut out = String::new();
    if events.is_empty() {
        if threshold == 0 {
            out.push_str(
                "The latency monitor is off (latency-monitor-threshold is 0), so nothing was \
                 measured. Turn it on with CONFIG SET latency-monitor-threshold <milliseconds>: \
                 every command, expiry cycle or other event at least that slow is then \
                 recorded, and this report says what it found.\n",
            );
        } else {
            let _ = writeln!(
                out,
                "No event took {threshold} ms or more since the monitor was last reset: \
                 nothing to report."
            );
        }
        return out;
    }
    let _ = writeln!(
        out,
        "Latency spikes of {threshold} ms or more (latency-monitor-threshold) were seen:\n"
    );
    for (n, (name, series)) in events.iter().enumerate() {
        let figures = Figures::of(series);
        let _ = write!(
            out,
            "{}. {name}: {} spike{}, {} ms on average (mean deviation {} ms)",
            n + 1,
            figures.count,
            if figures.count == 1 { "" } else { "s" },
            figures.average,
            figures.deviation,
        );
        if let Some(period) = figures.period {
            let _ = write!(out, ", one every {period} s");
        }
        let _ = writeln!(out, ". Worst ever: {} ms.", series.max);
    }
    out.push_str("\nWhat they usually mean:\n\n");
    for (name, _) in events {
        let _ = writeln!(out, "- {name}: {}", advice(name));
    }
    out.push_str(
        "\nLATENCY HISTORY <event> lists an event's spikes and LATENCY GRAPH <event> draws them; \
         LATENCY RESET forgets them.\n",
    );
    out
}

/// Counts for one event's samples: how many, their average, their mean absolute deviation
/// and the average time between them (none for a single sample), whole milliseconds and
/// seconds as Redis reports them.
struct Figures {
    count: usize,
    average: u64,
    deviation: u64,
    period: Option<u64>,
}

impl Figures {
    fn of(series: &LatencySeries) -> Figures {
        let count = series.samples.len().max(1);
        let sum: u64 = series.samples.iter().map(|&(_, millis)| millis).sum();
        let average = sum / count as u64;
        let deviation = series
            .samples
            .iter()
            .map(|&(_, millis)| millis.abs_diff(average))
            .sum::<u64>()
            / count as u64;
        let first = series.samples.front().map_or(0, |&(time, _)| time);
        let last = series.samples.back().map_or(0, |&(time, _)| time);
        let period = (series.samples.len() > 1).then(|| (last - first) / (count as u64 - 1));
        Figures {
            count: series.samples.len(),
            average,
            deviation,
            period,
        }
    }
}

/// What a spike of this event usually comes from, and what to do about it.
fn advice(event: &str) -> &'static str {
    match event {
        "command" => {
            "a command ran that long. SLOWLOG GET names the slow ones; usually they are \
             O(N) commands on big values (KEYS, SMEMBERS, LRANGE 0 -1, HGETALL, DEL or \
             FLUSHALL of something large). Use SCAN and its family instead of KEYS and \
             whole-value reads, and UNLINK to delete big values."
        }
        "fast-command" => {
            "a command flagged fast (O(1) or O(log N)) took that long, which its own work \
             cannot explain: the process was not running. Look at the machine: swapping, \
             CPU starved by other processes or a noisy neighbour on a virtual machine, \
             transparent huge pages."
        }
        "expire-cycle" => {
            "the active expiry cycle took that long: many keys reached their deadline at \
             once. Spread deadlines out (add a random part to each TTL) so they do not \
             expire together."
        }
        _ => "see the Redis documentation of the latency monitor for this event.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(samples: &[(u64, u64)]) -> LatencySeries {
        LatencySeries {
            samples: samples.iter().copied().collect(),
            max: samples.iter().map(|s| s.1).max().unwrap_or(0),
        }
    }

    /// The graph is drawn as Redis draws it: a title with the high and low shown and the
    /// worst ever, an 80-dash rule, four rows of bars (`_ o #` within a row, `|` below a
    /// bar's top) scaled from the lowest sample to the highest, a blank row, and each
    /// sample's age written downwards.
    ///
    /// Break checked: scaling from 0 instead of the lowest sample draws the 100 ms column
    /// as `#` in the third row and fails it.
    #[test]
    fn graph_draws_bars_between_the_lowest_and_highest_sample() {
        let graph = graph(
            "command",
            &series(&[(1000, 100), (1010, 200), (1050, 400)]),
            1100,
        );
        let expected = format!(
            "command - high 400 ms, low 100 ms (all time high 400 ms)\n{}\n  #\n  |\n o|\n_||\n   \n115\nmm0\n  s\n",
            "-".repeat(80)
        );
        assert_eq!(graph, expected);
    }

    /// Ages are written in the largest whole unit.
    #[test]
    fn ages_use_the_largest_whole_unit() {
        assert_eq!(ago(59), "59s");
        assert_eq!(ago(60), "1m");
        assert_eq!(ago(7200), "2h");
        assert_eq!(ago(86400 * 3), "3d");
    }

    /// The doctor counts, averages and spaces each event's spikes, and says what the event
    /// means; an empty monitor says whether it is off or just saw nothing.
    ///
    /// Break checked: dividing the period by the count rather than the gaps between
    /// samples reports "one every 13 s" and fails it.
    #[test]
    fn doctor_reports_each_event_with_its_figures_and_advice() {
        let events = vec![("command", series(&[(1000, 100), (1010, 300), (1040, 200)]))];
        let found = report(&events, 50);
        assert!(
            found.contains(
                "1. command: 3 spikes, 200 ms on average (mean deviation 66 ms), one every 20 s. \
                 Worst ever: 300 ms."
            ),
            "{found}"
        );
        assert!(found.contains("- command: a command ran that long. SLOWLOG GET"));
        assert!(report(&[], 0).contains("latency monitor is off"));
        assert!(report(&[], 10).contains("No event took 10 ms or more"));
    }
}
