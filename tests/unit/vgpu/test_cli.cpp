// vgpuctl end to end on fixture hosts: golden output, dry runs, all-or-nothing creates.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/journal.hpp"
#include "vgpu_helpers.hpp"

namespace fs = std::filesystem;
using vtest::run_vgpuctl;

namespace {

vgpuctl::RunnerFactory fake_kernel(std::set<unsigned> fail_creates = {}, int err = ENOSPC) {
  return [=](const sriov::Sysfs& s, sriov::KernelOptions, sriov::LinkBackend*) {
    auto k = std::make_unique<vtest::FakeKernel>(s);
    k->fail_creates = fail_creates;
    k->fail_errno = err;
    return k;
  };
}

const std::string kT4Types =
    "/sys/devices/pci0000:ae/0000:ae:00.0/0000:af:00.0/mdev_supported_types";

}  // namespace

TEST_CASE("list and types match the golden output", "[cli][golden]") {
  struct Host {
    const char* name;
    std::vector<const char*> parents;
  } hosts[] = {{"gpu-t4", {}},
               {"gpu-l40s", {}},
               {"igpu-gvtg", {}},
               {"gpu-t4x2", {"3b:00.0"}},
               {"gpu-l40s-hetero", {"0000:ca:01.0"}}};
  for (const auto& h : hosts) {
    std::string root = test::fixture(h.name).string();
    for (bool json : {false, true}) {
      std::string ext = json ? ".json" : ".txt";
      std::vector<std::vector<std::string>> runs = {{"list"}, {"types"}};
      for (const char* p : h.parents) runs.push_back({"types", p});
      for (auto args : runs) {
        std::string file = args[0];
        if (args.size() > 1) {
          std::string p = args[1];
          std::replace(p.begin(), p.end(), ':', '_');
          file += "-" + p;
        }
        args.insert(args.begin(), {"--sysfs-root", root});
        if (json) args.push_back("--json");
        auto r = run_vgpuctl(args);
        INFO(h.name << " " << file << ext << ": " << r.err);
        CHECK(r.status == 0);
        CHECK(r.err.empty());
        vtest::check_golden(std::string(h.name) + "/" + file + ext, r.out);
        if (json) CHECK_NOTHROW(nlohmann::json::parse(r.out));
      }
    }
  }
}

TEST_CASE("a host without vGPUs says so", "[cli]") {
  auto r = run_vgpuctl({"--sysfs-root", test::fixture("x710").string(), "list"});
  CHECK(r.status == 0);
  CHECK(r.out == "no vGPU-capable GPUs or mdev parents found\n");
  auto j = run_vgpuctl({"--sysfs-root", test::fixture("x710").string(), "list", "--json"});
  CHECK(nlohmann::json::parse(j.out)["gpus"].empty());
}

TEST_CASE("dry runs print every write in order and write nothing", "[cli]") {
  test::ScratchHost host("gpu-t4");
  std::string root = host.path().string();
  auto before = test::tree_digest(host.path());
  auto create = run_vgpuctl({"--sysfs-root", root, "create", "af:00.0", "--framebuffer", "1G",
                             "--count", "2", "--uuid", "11111111-2222-4333-8444-555555555555",
                             "--uuid", "11111111-2222-4333-8444-555555555556", "--dry-run"});
  CHECK(create.status == 0);
  CHECK(create.out ==
        "plan: create 2 vGPUs of type GRID T4-1Q (nvidia-230, 1 GiB) on 0000:af:00.0\n"
        "  1. create mdev 11111111-2222-4333-8444-555555555555 of type nvidia-230 on 0000:af:00.0\n"
        "       write 11111111-2222-4333-8444-555555555555 > " +
            kT4Types +
            "/nvidia-230/create\n"
            "  2. create mdev 11111111-2222-4333-8444-555555555556 of type nvidia-230 on "
            "0000:af:00.0\n"
            "       write 11111111-2222-4333-8444-555555555556 > " +
            kT4Types +
            "/nvidia-230/create\n"
            "note: GRID T4-1Q is the smallest type with at least 1 GiB that fits\n"
            "dry run: nothing was written\n");

  auto json = run_vgpuctl({"--sysfs-root", root, "--json", "create", "0000:af:00.0", "--type",
                           "nvidia-230", "--count", "3", "--dry-run"});
  CHECK(json.status == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["command"] == "create");
  CHECK(j["dry_run"] == true);
  CHECK(j["steps"].size() == 3);
  CHECK(j["steps"][2]["action"] == "create-mdev");
  CHECK(j["steps"][2]["writes"][0]["path"] == kT4Types + "/nvidia-230/create");
  CHECK(j["steps"][2]["writes"][0]["value"] == j["instances"][2]["id"]);
  CHECK(j["type"]["framebuffer_bytes"] == 1073741824);

  auto remove =
      run_vgpuctl({"--sysfs-root", root, "remove", "--parent", "af:00.0", "--all", "--dry-run"});
  CHECK(remove.status == 0);
  CHECK_THAT(remove.out,
             Catch::Contains(
                 "write 1 > /sys/bus/mdev/devices/c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01/remove"));
  CHECK_THAT(remove.out, Catch::Contains("[destroys vGPU c0ffee00"));

  auto define = run_vgpuctl({"--sysfs-root", root, "define", "af:00.0", "--type", "nvidia-230",
                             "--uuid", "11111111-2222-4333-8444-555555555555", "--start", "auto",
                             "--dry-run", "--json"});
  CHECK(define.status == 0);
  auto d = nlohmann::json::parse(define.out);
  CHECK(d["steps"][0]["action"] == "write-file");
  CHECK(d["steps"][0]["target"] ==
        "/etc/mdevctl.d/0000:af:00.0/11111111-2222-4333-8444-555555555555");
  CHECK(d["steps"][0]["writes"][0]["value"] ==
        "{\n  \"mdev_type\": \"nvidia-230\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}");

  auto l40s = run_vgpuctl({"--sysfs-root", test::fixture("gpu-l40s").string(), "create", "ca:00.0",
                           "--type", "NVIDIA L40S-4Q", "--count", "2", "--dry-run"});
  CHECK(l40s.status == 0);
  CHECK_THAT(l40s.out, Catch::Contains("write 1158 > /sys/devices/pci0000:c9/0000:c9:00.0/"
                                       "0000:ca:00.5/nvidia/current_vgpu_type"));
  CHECK(test::tree_digest(host.path()) == before);
}

TEST_CASE("create is all or nothing: the 3rd create fails, the first two are undone",
          "[cli][executor]") {
  test::ScratchHost host("gpu-t4");
  std::string root = host.path().string();
  auto before = test::tree_digest(host.path());
  auto r = run_vgpuctl(
      {"--sysfs-root", root, "create", "af:00.0", "--type", "nvidia-230", "--count", "3", "--uuid",
       "11111111-0000-4000-8000-000000000001", "--uuid", "11111111-0000-4000-8000-000000000002",
       "--uuid", "11111111-0000-4000-8000-000000000003"},
      fake_kernel({3}));
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::StartsWith("vgpuctl: error: step 3 of 3 failed (create mdev "
                                      "11111111-0000-4000-8000-000000000003"));
  CHECK_THAT(r.err, Catch::Contains("No space left on device"));
  CHECK_THAT(r.err, Catch::Contains("Undone: create mdev 11111111-0000-4000-8000-000000000002 of "
                                    "type nvidia-230 on 0000:af:00.0; create mdev "
                                    "11111111-0000-4000-8000-000000000001"));
  CHECK_THAT(r.out, Catch::Contains("undone: create mdev 11111111-0000-4000-8000-000000000001"));
  CHECK_THAT(r.out, Catch::Contains("failed: create mdev 11111111-0000-4000-8000-000000000003"));
  // Nothing left behind but the host lock file, released (empty: it names no holder).
  CHECK(fs::file_size(host.path() / "run/sriov/lock") == 0);
  fs::remove_all(host.path() / "run");
  CHECK(test::tree_digest(host.path()) == before);

  // The same with a working kernel: three new instances, listed.
  auto ok = run_vgpuctl(
      {"--sysfs-root", root, "--json", "create", "af:00.0", "--framebuffer", "1G", "--count", "3"},
      fake_kernel());
  CHECK(ok.status == 0);
  auto j = nlohmann::json::parse(ok.out);
  CHECK(j["changed"] == true);
  for (const auto& inst : j["instances"])
    CHECK(fs::exists(host.path() / "sys/bus/mdev/devices" / inst["id"].get<std::string>()));
  auto list = run_vgpuctl({"--sysfs-root", root, "--json", "list"});
  CHECK(nlohmann::json::parse(list.out)["instances"].size() == 4);

  // remove of two, where the second fails, puts the first back.
  std::vector<std::string> ids;
  for (const auto& inst : j["instances"]) ids.push_back(inst["id"]);
  auto after_create = test::tree_digest(host.path());
  struct FailRemove : vtest::FakeKernel {
    using FakeKernel::FakeKernel;
    unsigned removes = 0;
    sriov::Status apply(sriov::Step& step) override {
      if (step.is<mdev::RemoveMdev>() && ++removes == 2)
        return sriov::fail(sriov::Errc::timeout, "writing 1 to .../remove did not return");
      return FakeKernel::apply(step);
    }
  };
  auto rm = run_vgpuctl(
      {"--sysfs-root", root, "remove", ids[0], ids[1]},
      [](const sriov::Sysfs& s, sriov::KernelOptions, sriov::LinkBackend*) { return std::make_unique<FailRemove>(s); });
  CHECK(rm.status == 5);
  CHECK_THAT(rm.err, Catch::Contains("Undone: remove mdev " + ids[0]));
  CHECK(test::tree_digest(host.path()) == after_create);
}

TEST_CASE("NVIDIA SR-IOV vGPUs are created and removed through current_vgpu_type",
          "[cli][executor]") {
  // A fixture reads back what was written, so the real kernel runner can run here.
  test::ScratchHost host("gpu-l40s");
  std::string root = host.path().string();
  auto r = run_vgpuctl(
      {"--sysfs-root", root, "create", "ca:00.0", "--type", "NVIDIA L40S-2Q", "--count", "2"});
  INFO(r.err);
  CHECK(r.status == 0);
  sriov::Sysfs sysfs(host.path());
  CHECK(*sysfs.read("/sys/bus/pci/devices/0000:ca:00.4/nvidia/current_vgpu_type") == "1156");
  CHECK(*sysfs.read("/sys/bus/pci/devices/0000:ca:00.5/nvidia/current_vgpu_type") == "1156");
  CHECK(*sysfs.read("/sys/bus/pci/devices/0000:ca:00.6/nvidia/current_vgpu_type") == "0");
  auto list = run_vgpuctl({"--sysfs-root", root, "list"});
  CHECK_THAT(list.out, Catch::Contains("0000:ca:00.5  0000:ca:00.0  0000:ca:00.5  1156  "
                                       "NVIDIA L40S-2Q  active"));
  auto rm = run_vgpuctl({"--sysfs-root", root, "remove", "ca:00.4"});
  CHECK(rm.status == 0);
  CHECK(*sysfs.read("/sys/bus/pci/devices/0000:ca:00.4/nvidia/current_vgpu_type") == "0");
}

TEST_CASE("plan shows the placement host-wide and writes nothing", "[cli]") {
  std::string root = test::fixture("gpu-t4x2").string();
  auto r = run_vgpuctl({"--sysfs-root", root, "plan", "--framebuffer", "1G", "--count", "17"});
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith("plan: create 17 vGPUs of type GRID T4-1Q (nvidia-230, 1 "
                                      "GiB) on 0000:af:00.0 (15), 0000:3b:00.0 (2)\n"));
  CHECK_THAT(r.out, Catch::EndsWith("to create them:\n"
                                    "  vgpuctl create 0000:af:00.0 --type nvidia-230 --count 15\n"
                                    "  vgpuctl create 0000:3b:00.0 --type nvidia-230 --count 2\n"));
  auto numa = run_vgpuctl(
      {"--sysfs-root", root, "plan", "--framebuffer", "4G", "--count", "1", "--numa-node", "1"});
  CHECK(numa.status == 3);
  CHECK_THAT(numa.err, Catch::Contains("GPU 0000:af:00.0 already runs GRID T4-1Q; GRID T4-4Q "
                                       "cannot be mixed"));
  auto json = run_vgpuctl({"--sysfs-root", root, "--json", "plan", "--framebuffer", "4G", "--count",
                           "2", "--gpu", "3b:00.0"});
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["command"] == "plan");
  CHECK(j["type"]["name"] == "GRID T4-4Q");
  CHECK(j["instances"][1]["gpu"] == "0000:3b:00.0");
}

TEST_CASE("bad input and refusals map to the documented exit statuses", "[cli]") {
  // A private copy: the writers below take the host lock (run/sriov/lock in the tree).
  test::ScratchHost host("gpu-t4");
  std::string root = host.path().string();
  auto refuse = run_vgpuctl({"--sysfs-root", root, "create", "af:00.0", "--framebuffer", "4G"});
  CHECK(refuse.status == 3);
  CHECK_THAT(refuse.err,
             Catch::StartsWith("vgpuctl: error: cannot place 1 vGPU of at least 4 GiB"));
  CHECK(refuse.out.empty());
  auto json = run_vgpuctl({"--sysfs-root", root, "--json", "create", "af:00.0", "--count", "16",
                           "--type", "nvidia-230"});
  CHECK(json.status == 3);
  CHECK(nlohmann::json::parse(json.out)["error"]["code"] == "refused");
  CHECK(run_vgpuctl({"--sysfs-root", root, "create", "af:00.0", "--framebuffer", "4"}).status == 2);
  CHECK(run_vgpuctl({"--sysfs-root", root, "create", "af:00.0"}).status == 2);
  CHECK(
      run_vgpuctl({"--sysfs-root", root, "create", "af:00.0", "--type", "x", "--framebuffer", "1G"})
          .status == 2);
  CHECK(run_vgpuctl(
            {"--sysfs-root", root, "create", "af:00.0", "--type", "nvidia-230", "--uuid", "nope"})
            .status == 2);
  CHECK(run_vgpuctl({"--sysfs-root", root, "create", "03:00.0", "--type", "x"}).status == 4);
  CHECK(run_vgpuctl({"--sysfs-root", root, "create", "af:00.0", "--type", "nvidia-999"}).status ==
        4);
  CHECK(run_vgpuctl(
            {"--sysfs-root", root, "create", "af:00.0", "--type", "nvidia-230", "--class", "X"})
            .status == 2);
  CHECK(run_vgpuctl({"--sysfs-root", root, "types", "mbochs"}).status == 4);
  CHECK(run_vgpuctl({"--sysfs-root", root, "remove"}).status == 2);
  CHECK(run_vgpuctl({"--sysfs-root", root, "remove", "--parent", "af:00.0"}).status == 2);
  CHECK(run_vgpuctl({"--sysfs-root", root, "remove", "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e02"})
            .status == 4);
  CHECK(run_vgpuctl({"--sysfs-root", root, "start"}).status == 2);
  CHECK(run_vgpuctl({"--sysfs-root", "/nonexistent", "list"}).status == 2);
  CHECK(run_vgpuctl({"list", "--sysfs-root", root, "--json"}).status == 0);
  // Waiting for a parent that never comes (a fixture never changes: checked once).
  auto wait = run_vgpuctl(
      {"--sysfs-root", root, "create", "mbochs", "--type", "mbochs-large", "--wait", "0.5"});
  CHECK(wait.status == 4);
  CHECK_THAT(wait.err, Catch::EndsWith("after waiting 0.5 s\n"));
}

TEST_CASE("help names every verb and option, --version answers", "[cli]") {
  auto help = run_vgpuctl({"--help"});
  CHECK(help.status == 0);
  for (const char* verb :
       {"list", "types", "create", "remove", "plan", "define", "undefine", "start", "stop"})
    CHECK_THAT(help.out, Catch::Contains(verb));
  for (const char* opt : {"--sysfs-root", "--json", "--verbose", "--timeout", "--version"})
    CHECK_THAT(help.out, Catch::Contains(opt));
  struct Verb {
    const char* name;
    std::vector<const char*> options;
  } verbs[] = {{"create",
                {"PARENT", "--type", "--framebuffer", "--count", "--uuid", "--class", "--wait",
                 "--dry-run"}},
               {"plan", {"--framebuffer", "--type", "--count", "--numa-node", "--gpu", "--class"}},
               {"remove", {"ID", "--parent", "--all", "--dry-run"}},
               {"define", {"PARENT", "--type", "--uuid", "--start", "--dry-run"}},
               {"undefine", {"UUID", "--dry-run"}},
               {"start", {"UUID", "--all-auto", "--wait", "--dry-run"}},
               {"stop", {"UUID", "--dry-run"}},
               {"types", {"PARENT"}},
               {"list", {}}};
  for (const auto& v : verbs) {
    auto h = run_vgpuctl({v.name, "--help"});
    INFO(v.name);
    CHECK(h.status == 0);
    for (const char* o : v.options) CHECK_THAT(h.out, Catch::Contains(o));
  }
  auto version = run_vgpuctl({"--version"});
  CHECK(version.status == 0);
  CHECK_THAT(version.out, Catch::StartsWith("vgpuctl "));
}

TEST_CASE("writers take the host lock sriovctl takes, recover an interrupted run, journal their own",
          "[cli][lock]") {
  test::ScratchHost host("gpu-t4");
  std::string root = host.path().string();
  sriov::Sysfs sysfs(host.path());
  std::vector<std::string> create = {"--sysfs-root", root, "--lock-timeout", "0.2", "create",
                                     "af:00.0", "--type", "nvidia-230"};
  {
    auto held = sriov::HostLock::acquire(sysfs, std::chrono::milliseconds(100),
                                         "sriovctl apply -f /etc/sriov/site.yaml");
    REQUIRE(held);
    auto before = test::tree_digest(host.path());
    auto r = run_vgpuctl(create, fake_kernel());
    CHECK(r.status == 5);
    CHECK_THAT(r.err, Catch::Contains("holds the host lock /run/sriov/lock"));
    CHECK_THAT(r.err, Catch::Contains("'sriovctl apply -f /etc/sriov/site.yaml'"));
    CHECK_THAT(r.err, Catch::Contains("raise --lock-timeout"));
    CHECK(test::tree_digest(host.path()) == before);  // nothing written
    // Reading and dry runs do not wait for writers.
    CHECK(run_vgpuctl({"--sysfs-root", root, "--lock-timeout", "0", "list"}).status == 0);
    auto dry = create;
    dry.push_back("--dry-run");
    CHECK(run_vgpuctl(dry).status == 0);
    for (std::vector<std::string> verb :
         {std::vector<std::string>{"remove", "--parent", "af:00.0", "--all"},
          {"define", "af:00.0", "--type", "nvidia-230"},
          {"undefine", "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01"},
          {"start", "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01"},
          {"stop", "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01"}}) {
      verb.insert(verb.begin(), {"--sysfs-root", root, "--lock-timeout", "0"});
      auto w = run_vgpuctl(verb, fake_kernel());
      INFO(verb[4] << ": " << w.err);
      CHECK(w.status == 5);
      CHECK_THAT(w.err, Catch::Contains("holds the host lock"));
    }
  }
  // An interrupted run (sriovctl's here; vgpuctl's journal the same way): the next vgpuctl
  // writer rolls it back first, says so on stderr, then does its own work.
  sriov::Plan plan;
  plan.summary = "apply";
  plan.steps.push_back(mdev::CreateMdev{"0000:af:00.0", "nvidia-230", kT4Types + "/nvidia-230",
                                         "22222222-0000-4000-8000-000000000001"});
  {
    auto journal = sriov::Journal::begin(sysfs, "sriovctl apply -f p", plan);
    REQUIRE(journal);
    auto r = run_vgpuctl(create, fake_kernel());
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK_THAT(r.err, Catch::StartsWith("vgpuctl: recover the run of pid "));
    CHECK_THAT(r.err, Catch::Contains("'sriovctl apply -f p'"));
    CHECK_THAT(r.out, Catch::Contains("done: create mdev"));
    CHECK_FALSE(fs::exists(host.path() / "run/sriov/journal.json"));
  }
  // vgpuctl journals its own run while it executes, and removes the journal when it ends.
  struct SeesJournal : vtest::FakeKernel {
    SeesJournal(const sriov::Sysfs& s, std::vector<std::string>& records)
        : FakeKernel(s), sysfs(s), seen(records) {}
    sriov::Status apply(sriov::Step& step) override {
      seen.push_back(sysfs.read_opt("/run/sriov/journal.json").value_or(""));
      return FakeKernel::apply(step);
    }
    const sriov::Sysfs& sysfs;
    std::vector<std::string>& seen;
  };
  std::vector<std::string> seen;
  auto journaled = run_vgpuctl(
      {"--sysfs-root", root, "create", "af:00.0", "--type", "nvidia-230", "--count", "2"},
      [&](const sriov::Sysfs& s, sriov::KernelOptions, sriov::LinkBackend*) {
        return std::make_unique<SeesJournal>(s, seen);
      });
  CHECK(journaled.status == 0);
  REQUIRE(seen.size() == 2);
  CHECK_THAT(seen[0], Catch::Contains("\"command\":\"vgpuctl --sysfs-root"));
  CHECK_THAT(seen[0], Catch::Contains("\"done\":0"));
  CHECK_THAT(seen[1], Catch::Contains("\"done\":1"));
  CHECK_FALSE(fs::exists(host.path() / "run/sriov/journal.json"));
  // Released and clean: the same command goes through.
  auto ok = run_vgpuctl(create, fake_kernel());
  CHECK(ok.status == 0);
  INFO(ok.err);
}

TEST_CASE("an mdev held through its iommufd cdev is refused by remove and its dry run alike",
          "[cli][holders]") {
  // vfio-variants: pid 5200 holds mdev c0ffee00-...-1e01 through /dev/vfio/devices/vfio6 only.
  test::ScratchHost host("vfio-variants");
  std::string root = host.path().string();
  auto before = test::tree_digest(host.path());
  const std::string held = "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01";
  const std::string message =
      "vgpuctl: error: refusing to remove mdev " + held +
      ": pid 5200 (qemu-system-x86) holds /dev/vfio/devices/vfio6; the kernel would block until "
      "it lets go\n";
  auto dry = run_vgpuctl({"--sysfs-root", root, "remove", held, "--dry-run"});
  auto real = run_vgpuctl({"--sysfs-root", root, "remove", held}, fake_kernel());
  CHECK(dry.status == 3);
  CHECK(real.status == 3);
  CHECK(dry.err == message);
  CHECK(real.err == message);
  // Removing every instance of the GPU is refused for the held one, before anything is removed.
  auto all = run_vgpuctl({"--sysfs-root", root, "remove", "--all", "--parent", "af:00.0"}, fake_kernel());
  CHECK(all.status == 3);
  CHECK(all.err == message);
  fs::remove_all(host.path() / "run");
  CHECK(test::tree_digest(host.path()) == before);

  // The instance nobody holds goes.
  auto free = run_vgpuctl({"--sysfs-root", root, "remove", "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e02"},
                          fake_kernel());
  CHECK(free.status == 0);
  CHECK_FALSE(fs::exists(host.path() / "sys/bus/mdev/devices/c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e02"));
}
