//! CPU time of this process's threads, read from `/proc` (Linux only).

use std::time::Duration;

/// This process's threads named `name` (`/proc/self/task/<tid>` paths).
pub fn named(name: &str) -> Vec<std::path::PathBuf> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .map(|task| task.path())
        .filter(|path| std::fs::read_to_string(path.join("comm")).is_ok_and(|c| c.trim() == name))
        .collect()
}

/// CPU time (user + system) of the thread at `task` (a `/proc/self/task/<tid>` path).
pub fn cpu(task: &std::path::Path) -> Option<Duration> {
    // Clock ticks are 1/100 s on Linux.
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string(task.join("stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are 14th and 15th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// CPU time of all threads named `name` together.
#[allow(dead_code)] // not every benchmark sums them
pub fn total_cpu(name: &str) -> Option<Duration> {
    named(name).iter().map(|t| cpu(t)).sum()
}
