#include <filesystem>
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "mdev/steps/mdev_steps.hpp"
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
    auto index = step.get<SetNumVfs>().to;
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

TEST_CASE("mdev steps: a held instance is not removed, one already there is not created",
          "[executor][gpus]") {
  namespace fs = std::filesystem;
  // gpu-t4 runs c0ffee00-... (GRID T4-1Q) in IOMMU group 5.
  test::ScratchHost host("gpu-t4");
  Sysfs sysfs(host.path());
  KernelRunner runner(sysfs, {});
  const std::string uuid = "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01";
  const std::string types =
      "/sys/devices/pci0000:ae/0000:ae:00.0/0000:af:00.0/mdev_supported_types";
  fs::create_directories(host.path() / "proc/4242/fd");
  std::ofstream(host.path() / "proc/4242/comm") << "qemu-system-x86\n";
  fs::create_symlink("/dev/vfio/5", host.path() / "proc/4242/fd/7");

  Step remove = mdev::RemoveMdev{"0000:af:00.0", "nvidia-230", types + "/nvidia-230", uuid};
  auto refused = runner.apply(remove);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::refused);
  CHECK(refused.error().message == "refusing to remove mdev " + uuid +
                                       ": pid 4242 (qemu-system-x86) holds /dev/vfio/5; "
                                       "the kernel would block until it lets go");
  CHECK(*sysfs.read("/sys/bus/mdev/devices/" + uuid + "/remove") == "");  // not written

  // Created meanwhile (mdevctl's udev rule starting a definition): nothing to write.
  Step same = mdev::CreateMdev{"0000:af:00.0", "nvidia-230", types + "/nvidia-230", uuid};
  CHECK(runner.apply(same));
  CHECK(*sysfs.read(types + "/nvidia-230/create") == "");
  // The same UUID as another type is the kernel's EEXIST to report: the write happens (a
  // fixture tree does not answer EEXIST, so only the write is checked).
  Step other = mdev::CreateMdev{"0000:af:00.0", "nvidia-231", types + "/nvidia-231", uuid};
  (void)runner.apply(other);
  CHECK(*sysfs.read(types + "/nvidia-231/create") == uuid);
}
