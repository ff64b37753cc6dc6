# vGPU tests (mdev library and vgpuctl): their own executable, the same fixture hosts and
# helpers as unit_tests. Included by tests/CMakeLists.txt.
add_executable(vgpu_tests
  unit/main.cpp
  unit/helpers.cpp
  unit/vgpu/test_values.cpp
  unit/vgpu/test_vendor.cpp
  unit/vgpu/test_planner.cpp
  unit/vgpu/test_mdevctl.cpp
  unit/vgpu/test_profile_gpus.cpp
  unit/vgpu/test_cli.cpp
)
target_include_directories(vgpu_tests PRIVATE unit unit/vgpu)
target_link_libraries(vgpu_tests PRIVATE vgpuctl_cli Catch2::Catch2 fmt::fmt-header-only)
target_compile_definitions(vgpu_tests PRIVATE
  SRIOV_GOLDEN_DIR="${CMAKE_CURRENT_SOURCE_DIR}/golden")
catch_discover_tests(vgpu_tests
  TEST_PREFIX "unit.vgpu."
  EXTRA_ARGS --warn NoTests  # see tests/CMakeLists.txt
  PROPERTIES LABELS unit FIXTURES_REQUIRED hosts
             ENVIRONMENT "SRIOV_FIXTURES_DIR=${SRIOV_FIXTURES_DIR}")
