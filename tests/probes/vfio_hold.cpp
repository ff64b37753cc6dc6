// vfio_hold BDF: opens a VFIO device the way QEMU does when a VM is given it (container, group,
// type1 IOMMU, then the device's own descriptor), prints "holding BDF" and sleeps until killed.
// While it holds the device, the kernel cannot remove it: a VF disable (sriov_numvfs 0) or an
// unbind blocks in vfio-pci's remove, holding the device lock, until the holder lets go, which
// is what the real-kernel rig needs to show that the tools' watchdogs end such waits.
#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

int die(const char* what) {
  std::fprintf(stderr, "vfio_hold: %s: %s\n", what, std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: vfio_hold BDF (the device must be bound to vfio-pci)\n");
    return 2;
  }
  std::string bdf = argv[1];
  char link[256];
  std::string group_link = "/sys/bus/pci/devices/" + bdf + "/iommu_group";
  ssize_t n = ::readlink(group_link.c_str(), link, sizeof link - 1);
  if (n <= 0) return die(group_link.c_str());
  link[n] = '\0';
  std::string group = std::strrchr(link, '/') + 1;

  int container = ::open("/dev/vfio/vfio", O_RDWR);
  if (container < 0) return die("/dev/vfio/vfio");
  int group_fd = ::open(("/dev/vfio/" + group).c_str(), O_RDWR);
  if (group_fd < 0) return die(("/dev/vfio/" + group).c_str());
  vfio_group_status status{};
  status.argsz = sizeof status;
  if (::ioctl(group_fd, VFIO_GROUP_GET_STATUS, &status) != 0) return die("VFIO_GROUP_GET_STATUS");
  if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
    std::fprintf(stderr, "vfio_hold: group %s is not viable (all its devices on vfio-pci?)\n",
                 group.c_str());
    return 1;
  }
  if (::ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container) != 0)
    return die("VFIO_GROUP_SET_CONTAINER");
  if (::ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) != 0) return die("VFIO_SET_IOMMU");
  int device = ::ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf.c_str());
  if (device < 0) return die("VFIO_GROUP_GET_DEVICE_FD");
  std::printf("holding %s (group %s)\n", bdf.c_str(), group.c_str());
  std::fflush(stdout);
  for (;;) ::pause();
}
