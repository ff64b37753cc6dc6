// sriovctl watch -f PROFILE: keeps the host at its profiles. Each round is an apply (host lock,
// recovery of an interrupted run, snapshot, the same planners, journal) that runs only what
// drifted and never what apply would refuse without --allow-disruption; rounds follow kernel
// events (watch_schedule.hpp) and a periodic check. --once runs one round.
#include <fmt/format.h>

#include <poll.h>

#include <csignal>
#include <memory>

#include "cli.hpp"
#include "sriov/host_events.hpp"
#include "status_report.hpp"
#include "watch_schedule.hpp"

namespace sriovctl {
namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop(int) { g_stop = 1; }

struct WatchArgs {
  ProfilePaths profile = {kProfilesDir};
  bool once = false;
  double interval = 10, debounce = 0.1;
  unsigned max_repairs = 10;
  std::optional<std::string> metrics;
};

struct Round {
  RoundOutcome outcome = RoundOutcome::in_sync;
  nlohmann::json line;  // the round's log record
};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string summary(const mdev::HostDrift& drift) {
  std::vector<std::string> parts;
  for (const auto& d : drift.devices)
    for (const auto& x : d.differences)
      parts.push_back(fmt::format("{} {} {} -> {}", x.subject, x.field,
                                  x.have.empty() ? "(none)" : x.have, x.wanted));
  if (parts.size() > 6) {
    auto more = parts.size() - 5;
    parts.resize(5);
    parts.push_back(fmt::format("and {} more", more));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

// Runs the repair plan and republishes; the record says what drifted and what was done.
RoundOutcome repair(Context& ctx, const mdev::Profile& profile, StatusReport& report,
                    nlohmann::json& line) {
  auto& plan = report.drift.host.repair;
  bool republish = false;
  for (const auto& d : report.drift.host.devices)
    if (d.kind == "publish" && !d.differences.empty()) republish = true;
  if (!plan.steps.empty()) {
    auto done = ctx.execute(plan);
    if (!done) {
      line["error"] = tools::to_json(done.error());
      return RoundOutcome::failed;
    }
    line["steps"] = plan.steps.size();
    if (done->error) {
      line["error"] = tools::to_json(*done->error);
      record_apply(ctx, ctx.command_line, sriov::exit_status(done->error->code), plan.steps.size());
      return RoundOutcome::failed;
    }
    record_apply(ctx, ctx.command_line, 0, plan.steps.size());
    republish = !profile.publish.empty();
  }
  if (republish) {
    auto published = publish_profile_files(ctx, profile);
    line["published"] = published.entries;
    if (!published.warnings.empty()) line["warnings"] = published.warnings;
    if (!published.errors.empty()) {
      line["error"] = tools::to_json(published.errors.front());
      return RoundOutcome::failed;
    }
  }
  return RoundOutcome::repaired;
}

Round run_round(Context& ctx, const mdev::Profile& profile, const WatchArgs& args,
                std::optional<Clock::time_point> first_event) {
  Round r;
  auto start = Clock::now();
  r.line = {{"outcome", nullptr}, {"differences", 0}, {"steps", 0}, {"error", nullptr}};
  if (first_event) r.line["since_event_ms"] = nullptr;
  auto status = ctx.begin_write();  // the lock, and the rollback of an interrupted run
  auto report = status == 0 ? read_status(ctx, profile)
                            : sriov::Result<StatusReport>(sriov::fail(
                                  sriov::Errc::io, "the host lock or the recovery failed"));
  if (!report) {
    r.line["error"] = tools::to_json(report.error());
    r.outcome = RoundOutcome::failed;
  } else if (!report->drift.host.problems.empty()) {
    r.line["error"] = tools::to_json(sriov::profile_error(report->drift.host.problems));
    r.outcome = RoundOutcome::failed;
  } else {
    r.line["differences"] = report->drift.host.differences();
    r.line["drift"] = summary(report->drift.host);
    std::vector<std::string> absent;
    for (const auto& d : report->drift.host.devices)
      if (d.absent) absent.push_back(d.name);
    r.line["absent"] = absent;
    if (!report->drift.host.refusals.empty()) {
      r.line["refused"] = report->drift.host.refusals;
      r.outcome = RoundOutcome::waiting;
    } else if (report->in_sync()) {
      r.outcome = RoundOutcome::in_sync;
    } else {
      r.outcome = repair(ctx, profile, *report, r.line);
      if (r.outcome == RoundOutcome::repaired && !absent.empty()) r.outcome = RoundOutcome::waiting;
    }
    // The metrics describe the host after the round: read again only when it changed it.
    if (args.metrics && r.outcome == RoundOutcome::in_sync) {
      (void)write_metrics(*args.metrics, status_metrics(*report));
    } else if (args.metrics) {
      auto after = read_status(ctx, profile);
      if (after) (void)write_metrics(*args.metrics, status_metrics(*after));
    }
  }
  ctx.lock.reset();
  static constexpr const char* kNames[] = {"in-sync", "repaired", "waiting", "failed"};
  r.line["outcome"] = kNames[static_cast<int>(r.outcome)];
  r.line["duration_ms"] = static_cast<long>(ms_since(start));
  if (first_event) r.line["since_event_ms"] = static_cast<long>(ms_since(*first_event));
  return r;
}

// One line per round that did or found something (an in-sync round is silent unless -v).
void log_round(const Context& ctx, const Round& r, const std::string& trigger) {
  auto line = r.line;
  line["trigger"] = trigger;
  if (ctx.out.json) {
    ctx.out.out << line.dump() << std::endl;
    return;
  }
  if (r.outcome == RoundOutcome::in_sync && !ctx.out.verbose) return;
  std::string text = fmt::format("{} ({}): {}", line["outcome"].get<std::string>(), trigger,
                                 line.value("drift", std::string()));
  if (line["steps"].get<size_t>() > 0)
    text += fmt::format("; {} steps", line["steps"].get<size_t>());
  text += fmt::format(" in {} ms", line["duration_ms"].get<long>());
  if (line.contains("since_event_ms") && !line["since_event_ms"].is_null())
    text += fmt::format(", {} ms after the first event", line["since_event_ms"].get<long>());
  if (line.contains("absent") && !line["absent"].empty())
    text += fmt::format("; absent, waiting: {}", fmt::join(line["absent"], ", "));
  if (line.contains("refused"))
    text += fmt::format("; not repaired, apply would refuse: {}", fmt::join(line["refused"], "; "));
  if (!line["error"].is_null()) text += "; error: " + line["error"]["message"].get<std::string>();
  ctx.out.out << text << std::endl;
}

int run_watch(Context& ctx, const WatchArgs& args) {
  auto profile = load_profile_args(args.profile);
  if (!profile) return ctx.out.error(profile.error());
  if (args.once) {
    auto r = run_round(ctx, *profile, args, std::nullopt);
    log_round(ctx, r, "once");
    if (r.outcome == RoundOutcome::failed) return 1;
    return r.outcome == RoundOutcome::waiting ? kExitDrift : 0;
  }
  std::optional<sriov::HostEvents> events;
  if (ctx.sysfs.live()) {
    auto e = sriov::HostEvents::open();
    if (!e) return ctx.out.error(e.error());
    events.emplace(std::move(*e));
  } else {
    ctx.out.warn("no kernel events under --sysfs-root: checking every --interval only");
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop;  // no SA_RESTART: poll returns at once
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  WatchLimits limits{milliseconds(static_cast<long>(args.debounce * 1000)),
                     milliseconds(static_cast<long>(args.interval * 1000)), args.max_repairs};
  WatchSchedule schedule(limits, Clock::now());
  std::string trigger = "start";
  while (!g_stop) {
    auto due = schedule.next_round();
    auto now = Clock::now();
    if (now < due) {
      auto wait = std::chrono::duration_cast<milliseconds>(due - now) + milliseconds(1);
      if (events) {
        for (auto& e : events->wait(wait)) {
          schedule.event(Clock::now());
          if (trigger.empty()) trigger = e;
        }
      } else {
        ::poll(nullptr, 0, static_cast<int>(wait.count()));
      }
      continue;
    }
    auto r = run_round(ctx, *profile, args, schedule.first_event());
    log_round(ctx, r, trigger.empty() ? "periodic check" : trigger);
    schedule.round_done(Clock::now(), r.outcome);
    if (*schedule.held_back_by())
      ctx.out.warn(fmt::format("next check held back by {}", schedule.held_back_by()));
    trigger.clear();
  }
  return 0;
}

}  // namespace

void add_watch(CLI::App& app, Runner& selected) {
  auto args = std::make_shared<WatchArgs>();
  auto* cmd = app.add_subcommand(
      "watch", "Keep the host at its profiles: repair what drifts, on kernel events and periodically");
  tools::declare_when_used(cmd, [=] {
    add_profile_option(cmd, args->profile, false);
    cmd->add_flag("--once", args->once, "Run one check-and-repair round and exit (7: drift left)");
    cmd->add_option("--interval", args->interval,
                    "Check at least every SECONDS, events or not (default 10)")
        ->type_name("SECONDS")
        ->check(tools::seconds(0.1, 86400.0));
    cmd->add_option("--debounce", args->debounce,
                    "Wait until kernel events pause this long before a round (default 0.1)")
        ->type_name("SECONDS")
        ->check(tools::seconds(0.0, 60.0));
    cmd->add_option("--max-repairs", args->max_repairs,
                    "Repair at most N times a minute; 0: no limit (default 10)")
        ->type_name("N");
    cmd->add_option("--metrics", args->metrics,
                    "Rewrite this OpenMetrics textfile after every round")
        ->type_name("FILE");
  });
  cmd->callback([&selected, args] {
    selected = [args](Context& c) { return run_watch(c, *args); };
  });
}

}  // namespace sriovctl
