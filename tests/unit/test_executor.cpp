#include <set>

#include <catch2/catch.hpp>

#include "sriov/executor.hpp"

using namespace sriov;

namespace {

// Records every apply/undo; fails the steps (and undos) it is told to.
class ScriptedRunner : public StepRunner {
 public:
  std::set<size_t> fail_apply, fail_undo;
  std::vector<std::string> calls;
  Status apply(Step& step) override { return run("apply", step, fail_apply); }
  Status undo(const Step& step) override { return run("undo", step, fail_undo); }

 private:
  Status run(const std::string& what, const Step& step, const std::set<size_t>& failing) {
    auto index = std::get<SetNumVfs>(step).to;
    calls.push_back(what + " " + std::to_string(index));
    if (failing.count(index))
      return fail(Errc::kernel, "writing " + std::to_string(index) + ": Device or resource busy",
                  "/sys/x", EBUSY);
    return {};
  }
};

Plan numbered_plan(unsigned n) {
  Plan plan;
  for (unsigned i = 0; i < n; ++i) plan.steps.push_back(SetNumVfs{"pf", "/sys/pf", i, i});
  return plan;
}

}  // namespace

TEST_CASE("executor runs every step in order", "[executor]") {
  auto plan = numbered_plan(3);
  ScriptedRunner runner;
  auto report = execute(plan, runner);
  CHECK(report.ok());
  CHECK(report.changed());
  CHECK(runner.calls == std::vector<std::string>{"apply 0", "apply 1", "apply 2"});
}

TEST_CASE("a failing step undoes the completed ones in reverse and says so", "[executor]") {
  auto plan = numbered_plan(4);
  ScriptedRunner runner;
  runner.fail_apply = {2};
  auto report = execute(plan, runner);
  REQUIRE_FALSE(report.ok());
  CHECK_FALSE(report.changed());
  CHECK(runner.calls ==
        std::vector<std::string>{"apply 0", "apply 1", "apply 2", "undo 1", "undo 0"});
  CHECK(report.status == std::vector<StepStatus>{StepStatus::undone, StepStatus::undone,
                                                 StepStatus::failed, StepStatus::not_run});
  CHECK(report.error->code == Errc::kernel);
  CHECK(report.error->message ==
        "step 3 of 4 failed (set VF count of pf: 2 -> 2): writing 2: Device or resource busy. "
        "Undone: set VF count of pf: 1 -> 1; set VF count of pf: 0 -> 0.");
}

TEST_CASE("a failing first step undoes nothing", "[executor]") {
  auto plan = numbered_plan(2);
  ScriptedRunner runner;
  runner.fail_apply = {0};
  auto report = execute(plan, runner);
  CHECK(report.error->message ==
        "step 1 of 2 failed (set VF count of pf: 0 -> 0): writing 0: Device or resource busy.");
  CHECK(runner.calls == std::vector<std::string>{"apply 0"});
}

TEST_CASE("an undo that fails is reported as rollback-incomplete", "[executor]") {
  auto plan = numbered_plan(3);
  ScriptedRunner runner;
  runner.fail_apply = {2};
  runner.fail_undo = {0};
  auto report = execute(plan, runner);
  CHECK(report.error->code == Errc::rollback_incomplete);
  CHECK(exit_status(report.error->code) == 6);
  CHECK(report.changed());
  CHECK(report.status[0] == StepStatus::undo_failed);
  CHECK(report.status[1] == StepStatus::undone);
  CHECK_THAT(report.error->message,
             Catch::Contains("NOT undone, still applied: set VF count of pf: 0 -> 0: writing 0: Device or resource busy."));
}
