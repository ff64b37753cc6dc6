#pragma once
// Helpers for the vGPU tests: hand-built sysfs trees for parents the fixture builder does not
// make (mbochs and the other kernel samples under /sys/devices/virtual, per-VF NVIDIA lists,
// xe sriov_admin, missing files), a fake kernel for mdev writes, the CLI in-process, goldens.

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mdev/steps/mdev_steps.hpp"
#include "cli.hpp"
#include "helpers.hpp"
#include "sriov/executor.hpp"
#include "sriov/sysfs.hpp"

namespace vtest {

namespace fs = std::filesystem;

// A writable tree in /tmp, removed at scope exit. Paths are relative to the root.
class FakeTree {
 public:
  FakeTree() {
    char tmpl[] = "/tmp/vgpu-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~FakeTree() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  FakeTree(const FakeTree&) = delete;
  FakeTree& operator=(const FakeTree&) = delete;

  const fs::path& path() const { return dir_; }

  void file(const std::string& rel, const std::string& content) const {
    fs::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << content;
  }
  void dir(const std::string& rel) const { fs::create_directories(dir_ / rel); }
  // A relative symlink rel -> target (both relative to the root), like the kernel's.
  void link(const std::string& rel, const std::string& target) const {
    fs::create_directories((dir_ / rel).parent_path());
    fs::create_directory_symlink(fs::path(target).lexically_relative(fs::path(rel).parent_path()),
                                 dir_ / rel);
  }

  // An mdev type directory with the files given (nullptr = file missing).
  struct TypeFiles {
    std::string id;
    std::optional<std::string> name, description, available;
    std::optional<std::string> device_api = "vfio-pci";
  };
  // A virtual mdev parent like the kernel samples register: /sys/devices/virtual/<n>/<n>.
  void virtual_parent(const std::string& name, const std::vector<TypeFiles>& types) const {
    std::string dev = "sys/devices/virtual/" + name + "/" + name;
    dir(dev);
    link("sys/class/mdev_bus/" + name, dev);
    dir("sys/bus/mdev/devices");
    for (const auto& t : types) {
      std::string tdir = dev + "/mdev_supported_types/" + t.id;
      dir(tdir + "/devices");
      file(tdir + "/create", "");
      if (t.name) file(tdir + "/name", *t.name + "\n");
      if (t.description) file(tdir + "/description", *t.description + "\n");
      if (t.available) file(tdir + "/available_instances", *t.available + "\n");
      if (t.device_api) file(tdir + "/device_api", *t.device_api + "\n");
    }
  }
  // mbochs as the kernel shows it with a pool of `pool_mb` MB, `used_mb` of it taken.
  void mbochs(unsigned pool_mb = 1024, unsigned used_mb = 0) const {
    unsigned left = pool_mb - used_mb;
    auto n = [&](unsigned mb) { return std::to_string(left / mb); };
    virtual_parent(
        "mbochs", {{"mbochs-large", "mbochs-large", "virtual display, 64 MB video memory", n(64)},
                   {"mbochs-medium", "mbochs-medium", "virtual display, 16 MB video memory", n(16)},
                   {"mbochs-small", "mbochs-small", "virtual display, 4 MB video memory", n(4)}});
  }
  // An mdev instance of a virtual parent's type.
  void instance(const std::string& parent, const std::string& type, const std::string& uuid) const {
    std::string dev = "sys/devices/virtual/" + parent + "/" + parent;
    std::string mdir = dev + "/" + uuid;
    dir(mdir);
    file(mdir + "/remove", "");
    link(mdir + "/mdev_type", dev + "/mdev_supported_types/" + type);
    link("sys/bus/mdev/devices/" + uuid, mdir);
    link(dev + "/mdev_supported_types/" + type + "/devices/" + uuid, mdir);
  }

 private:
  fs::path dir_;
};

// Plays the kernel's part for mdev create/remove on a tree (a fixture never reacts to
// writes): creates or deletes the device directory and its links. The Nth create (1-based)
// in fail_creates fails with fail_errno, like the kernel's answer to the write.
class FakeKernel : public sriov::StepRunner {
 public:
  explicit FakeKernel(const sriov::Sysfs& sysfs) : sysfs_(sysfs), real_(sysfs, {}) {}
  std::set<unsigned> fail_creates;
  int fail_errno = ENOSPC;
  std::vector<std::string> calls;

  sriov::Status apply(sriov::Step& step) override {
    if (auto* c = step.get_if<mdev::CreateMdev>()) {
      calls.push_back("create " + c->uuid);
      if (fail_creates.count(++creates_))
        return sriov::fail(
            sriov::Errc::kernel,
            "writing " + c->uuid + " to " + c->type_path + "/create: " + std::strerror(fail_errno),
            c->type_path + "/create", fail_errno);
      return make(c->type_path, c->uuid);
    }
    if (auto* r = step.get_if<mdev::RemoveMdev>()) {
      calls.push_back("remove " + r->uuid);
      return drop(r->uuid);
    }
    calls.push_back("other");
    return real_.apply(step);
  }
  sriov::Status undo(const sriov::Step& step) override {
    if (auto* c = step.get_if<mdev::CreateMdev>()) {
      calls.push_back("undo create " + c->uuid);
      return drop(c->uuid);
    }
    if (auto* r = step.get_if<mdev::RemoveMdev>()) {
      calls.push_back("undo remove " + r->uuid);
      return make(r->type_path, r->uuid);
    }
    return real_.undo(step);
  }

 private:
  sriov::Status make(const std::string& type_path, const std::string& uuid) {
    auto type = *sysfs_.real(type_path);
    auto parent = type.parent_path().parent_path();
    auto dev = parent / uuid;
    fs::create_directories(dev);
    std::ofstream(dev / "remove") << "";
    fs::create_directory_symlink(type.lexically_relative(dev), dev / "mdev_type");
    auto bus = *sysfs_.real("/sys/bus/mdev/devices");
    fs::create_directories(bus);
    fs::create_directory_symlink(dev.lexically_relative(bus), bus / uuid);
    fs::create_directories(type / "devices");
    fs::create_directory_symlink(dev.lexically_relative(type / "devices"), type / "devices" / uuid);
    return {};
  }
  sriov::Status drop(const std::string& uuid) {
    auto link = *sysfs_.real("/sys/bus/mdev/devices");
    auto dev = fs::canonical(link / uuid);
    auto type = fs::canonical(dev / "mdev_type");
    fs::remove(type / "devices" / uuid);
    fs::remove(link / uuid);
    fs::remove_all(dev);
    return {};
  }
  const sriov::Sysfs& sysfs_;
  sriov::KernelRunner real_;
  unsigned creates_ = 0;
};

struct RunResult {
  int status = 0;
  std::string out, err;
};

inline RunResult run_vgpuctl(std::vector<std::string> args, vgpuctl::RunnerFactory factory = {}) {
  args.insert(args.begin(), "vgpuctl");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int status =
      vgpuctl::run(static_cast<int>(argv.size()), argv.data(), out, err, std::move(factory));
  return {status, out.str(), err.str()};
}

// Compares with tests/golden/vgpu/NAME; SRIOV_UPDATE_GOLDEN=1 rewrites the file instead.
inline void check_golden(const std::string& name, const std::string& actual) {
  test::check_golden_file(fs::path(SRIOV_GOLDEN_DIR) / "vgpu" / name, actual);
}

}  // namespace vtest
