#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "sriov/sysfs.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_CASE("Sysfs maps host paths under the root and refuses escapes", "[sysfs]") {
  test::ScratchHost host("x710");
  sriov::Sysfs sysfs(host.path());
  CHECK_FALSE(sysfs.live());
  CHECK(*sysfs.read("/sys/bus/pci/devices/0000:3b:00.0/sriov_totalvfs") == "64");
  CHECK(sysfs.link_name("/sys/bus/pci/devices/0000:3b:00.0/driver") == "i40e");
  CHECK(*sysfs.resolve("/sys/class/net/ens1f0/device") ==
        *sysfs.resolve("/sys/bus/pci/devices/0000:3b:00.0"));

  auto up = sysfs.read("/sys/../../etc/passwd");
  REQUIRE_FALSE(up);
  CHECK_THAT(up.error().message, Catch::Contains("leaves the sysfs root"));

  // A symlink planted in the tree that points outside it is refused, not followed.
  fs::create_symlink("/etc", host.path() / "sys/escape");
  auto out = sysfs.read("/sys/escape/hostname");
  REQUIRE_FALSE(out);
  CHECK_THAT(out.error().message, Catch::Contains("outside the sysfs root"));
  auto write = sysfs.write("/sys/escape/should-not-exist", "x", 1s);
  REQUIRE_FALSE(write);
  CHECK_FALSE(fs::exists("/etc/should-not-exist"));
}

TEST_CASE("Sysfs on the live host: the fast resolve paths agree with canonical()", "[sysfs]") {
  // resolve() asks the kernel (O_PATH + /proc/self/fd), resolve_link() joins one readlink;
  // both must name what std::filesystem::canonical names, on this machine's own sysfs.
  sriov::Sysfs sysfs("/");
  REQUIRE(sysfs.live());
  size_t checked = 0;
  for (const char* dir : {"/sys/class/net", "/sys/bus/pci/devices"}) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      auto path = it->path().string();
      auto canonical = fs::canonical(path).string();
      CHECK(sysfs.resolve(path).value() == canonical);
      CHECK(sysfs.resolve_link(path).value() == canonical);
      if (fs::exists(path + "/driver")) {
        CHECK(sysfs.resolve_link(canonical + "/driver").value() ==
              fs::canonical(path + "/driver").string());
      }
      ++checked;
    }
  }
  REQUIRE(checked > 0);  // at least lo: a machine without it proves nothing
  // Not a link, or gone: the same answer (or the same refusal) as resolve().
  CHECK(sysfs.resolve_link("/sys/class").value() == "/sys/class");
  CHECK_FALSE(sysfs.resolve_link("/sys/class/net/no-such-netdev-here"));
}

TEST_CASE("Sysfs::from prefers --sysfs-root, then SRIOV_SYSFS_ROOT", "[sysfs]") {
  auto root = test::fixture("x710");
  setenv("SRIOV_SYSFS_ROOT", "/nonexistent-root", 1);
  auto bad = sriov::Sysfs::from(std::nullopt);
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("SRIOV_SYSFS_ROOT"));
  auto good = sriov::Sysfs::from(root.string());
  REQUIRE(good);
  CHECK(good->root() == fs::canonical(root));
  unsetenv("SRIOV_SYSFS_ROOT");
}

TEST_CASE("Sysfs writes report errno and time out on a write that blocks", "[sysfs]") {
  test::ScratchHost host("x710");
  sriov::Sysfs sysfs(host.path());
  REQUIRE(sysfs.write("/sys/bus/pci/devices/0000:3b:00.1/sriov_numvfs", "4", 1s));
  CHECK(*sysfs.read("/sys/bus/pci/devices/0000:3b:00.1/sriov_numvfs") == "4");

  auto missing_dir = sysfs.write("/sys/no/such/dir/attr", "1", 1s);
  REQUIRE_FALSE(missing_dir);
  CHECK(missing_dir.error().sys_errno == ENOENT);
  CHECK_THAT(missing_dir.error().message, Catch::Contains("writing 1 to /sys/no/such/dir/attr"));

  // Opening a FIFO for writing blocks until a reader comes: the stand-in for a numvfs write
  // that hangs in the kernel. The watchdog must return instead of hanging with it.
  auto fifo = host.path() / "sys/blocking";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto start = std::chrono::steady_clock::now();
  auto blocked = sysfs.write("/sys/blocking", "0", 300ms);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(blocked);
  CHECK(blocked.error().code == sriov::Errc::timeout);
  CHECK_THAT(blocked.error().message, Catch::Contains("did not return within"));
  CHECK(took < 5s);
}

// sriov_numvfs and driver_override go through the kernel helper (they can block in the kernel,
// see the rig's read-watchdog scenario); what a read returns and every way it can fail must be
// the same as for an attribute this process reads itself.
TEST_CASE("Sysfs reads the device-lock attributes through the helper, with the same results",
          "[sysfs]") {
  test::ScratchHost host("x710");
  sriov::Sysfs sysfs(host.path());
  const std::string pf = "/sys/bus/pci/devices/0000:3b:00.0";
  CHECK(*sysfs.read(pf + "/sriov_numvfs") == "64");
  CHECK(*sysfs.read_int(pf + "/sriov_numvfs") == 64);
  CHECK(*sysfs.read(pf + "/sriov_totalvfs") == "64");  // read directly: the same text

  fs::create_directories(host.path() / "sys/t/b");
  REQUIRE(mkfifo((host.path() / "sys/t/b/sriov_numvfs").c_str(), 0600) == 0);
  fs::create_directories(host.path() / "sys/t/c");
  std::ofstream(host.path() / "sys/t/c/driver_override") << std::string(5000, 'x');
  for (const char* name : {"sriov_numvfs", "sriov_totalvfs"}) {
    // A directory and a FIFO where the attribute belongs: refused at once, saying what it is.
    fs::create_directories(host.path() / "sys/t/d" / name);
    auto dir = sysfs.read(std::string("/sys/t/d/") + name);
    REQUIRE_FALSE(dir);
    CHECK_THAT(dir.error().message, Catch::Contains("is a directory, where a regular file belongs"));
    auto absent = sysfs.read(std::string("/sys/t/none/") + name);
    REQUIRE_FALSE(absent);
    CHECK(absent.error().code == sriov::Errc::not_found);
  }
  auto fifo = sysfs.read("/sys/t/b/sriov_numvfs");
  REQUIRE_FALSE(fifo);
  CHECK_THAT(fifo.error().message, Catch::Contains("is a FIFO, where a regular file belongs"));
  auto big = sysfs.read("/sys/t/c/driver_override");
  REQUIRE_FALSE(big);
  CHECK_THAT(big.error().message, Catch::Contains("is larger than 4096 bytes"));
  CHECK(sysfs.read_timeout() == sriov::kDefaultWriteTimeout);
}
