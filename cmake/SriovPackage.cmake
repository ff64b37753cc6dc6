# What `cmake --install` gives other programs for one library of this tree: the shared
# library, its export set with a versioned CMake package (find_package(NAME 0.1)) that
# declares its dependencies, and a pkg-config file. Used by libsriov/ and mdev/, so both
# packages are made the same way.
include(CMakePackageConfigHelpers)

# sriov_install_library(NAME TARGET DESCRIPTION text
#                       [CMAKE_DEPENDENCIES pkg...] [PC_REQUIRES mod...] [PC_REQUIRES_PRIVATE mod...])
function(sriov_install_library)
  cmake_parse_arguments(ARG "" "NAME;TARGET;DESCRIPTION"
                        "CMAKE_DEPENDENCIES;PC_REQUIRES;PC_REQUIRES_PRIVATE" ${ARGN})
  set(cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/${ARG_NAME})
  install(TARGETS ${ARG_TARGET} EXPORT ${ARG_NAME}Targets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT dev
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT ${ARG_NAME}Targets NAMESPACE sriov:: FILE ${ARG_NAME}Targets.cmake
    DESTINATION ${cmakedir})

  # The config file finds what the exported targets link publicly, so a consumer's
  # find_package() fails at configure time, naming the missing package, not at compile time.
  set(finds "")
  foreach(dep IN LISTS ARG_CMAKE_DEPENDENCIES)
    string(APPEND finds "find_dependency(${dep})\n")
  endforeach()
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}Config.cmake
    "include(CMakeFindDependencyMacro)\n${finds}"
    "include(\${CMAKE_CURRENT_LIST_DIR}/${ARG_NAME}Targets.cmake)\n")
  # 0.x: a minor release may change the API, so 0.1 accepts 0.1.* only; from 1.0 on, the
  # major version is the contract (SameMajorVersion).
  if(PROJECT_VERSION_MAJOR EQUAL 0)
    set(compat SameMinorVersion)
  else()
    set(compat SameMajorVersion)
  endif()
  write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}ConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY ${compat})
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}Config.cmake
                ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}ConfigVersion.cmake
          DESTINATION ${cmakedir})

  list(JOIN ARG_PC_REQUIRES " " PC_REQUIRES)
  list(JOIN ARG_PC_REQUIRES_PRIVATE " " PC_REQUIRES_PRIVATE)
  set(PC_NAME ${ARG_NAME})
  set(PC_DESCRIPTION "${ARG_DESCRIPTION}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/library.pc.in
                 ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()
