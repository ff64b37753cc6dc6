// The rtnetlink VF decoder: NetlinkBackend::parse_link -> decode_vf_list -> decode_vf, which
// turn the kernel's RTM_NEWLINK reply into VfDump. They are internal to
// netlink_backend.cpp (anonymous namespace, a private member), so the harness compiles that
// file itself, with `private` opened for parse_link only: every header it includes is
// included first, so the macro touches nothing but that file's own code. The symbols it
// exports replace the archive's copy of the same object (it is then not pulled in).
//
// The input is the attribute part of one RTM_NEWLINK message (after struct ifinfomsg). The
// message ends exactly at a PROT_NONE page: libnl's attribute helpers are not instrumented,
// so an over-read inside them would pass ASan unseen, but not a guard page.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/mman.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "fuzz_common.hpp"
#include "sriov/link_backend.hpp"

#pragma clang diagnostic ignored "-Wkeyword-macro"
#define private public
#include "../../libsriov/src/netlink_backend.cpp"
#undef private

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The kernel pads messages to 4 bytes; so does this one (zeros), so attribute reads stay
  // aligned as they are on a real socket buffer.
  size_t len = NLMSG_ALIGN(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg)) + size);
  if (len > (1u << 20)) return 0;
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t span = (len + page - 1) / page * page;
  auto* base = static_cast<char*>(
      ::mmap(nullptr, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  FUZZ_CHECK(base != MAP_FAILED);
  FUZZ_CHECK(::mprotect(base + span, page, PROT_NONE) == 0);
  char* msg = base + span - len;
  std::memset(msg, 0, len);
  auto* hdr = reinterpret_cast<nlmsghdr*>(msg);
  hdr->nlmsg_len = static_cast<uint32_t>(len);
  hdr->nlmsg_type = RTM_NEWLINK;
  if (size) std::memcpy(msg + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg)), data, size);

  sriov::NetlinkBackend backend;
  auto dump = backend.parse_link(hdr, msg + len, "fuzz0");
  if (dump) {
    // What read() promises its callers (apply_vf_changes indexes vfs by VF number).
    FUZZ_CHECK(dump->vfs.size() == dump->num_vf);
    for (size_t i = 0; i < dump->vfs.size(); ++i) FUZZ_CHECK(dump->vfs[i].index == i);
  }
  ::munmap(base, span + page);
  return 0;
}
