# modelpusher_add_plugin(<target> SOURCES <files...> [LIBRARIES <libs...>]
#                        [OUTPUT_DIRECTORY <dir>] [INSTALL_DESTINATION <dir>] [NO_INSTALL])
#
# Builds a plugin: a MODULE library named <target>.so (no "lib" prefix) that links
# modelpusher::sdk, hides every symbol but the entry point (MP_DECLARE_PLUGIN), and
# installs where the CLI looks for plugins. Works in this repository (bundled plugins) and in
# an out-of-tree project after find_package(modelpusher):
#
#   OUTPUT_DIRECTORY     where the built .so lands. Default: the bundled plugin folder of the
#                        build tree in this repository; <build>/plugins out of tree, a folder
#                        that holds only plugins, for `modelpusher --plugin-dir`.
#   INSTALL_DESTINATION  default <libdir>/modelpusher/plugins: the folder an installed
#                        `modelpusher` searches when the plugin is installed into its prefix.
#   NO_INSTALL           do not install the plugin.
#
# RPATH: $ORIGIN/../.. (libmodelpusher beside the plugin folder, as installed) and, out of
# tree, the folder of the libmodelpusher it was built against. The host has libmodelpusher
# loaded already, so this matters only to tools like ldd.
include_guard(GLOBAL)
include(GNUInstallDirs)

function(modelpusher_add_plugin target)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY;INSTALL_DESTINATION"
                        "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "modelpusher_add_plugin(${target}): SOURCES is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "modelpusher_add_plugin(${target}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()

  # In this repository the top-level CMakeLists.txt sets MODELPUSHER_PLUGIN_OUTPUT_DIR and
  # MODELPUSHER_PLUGIN_SUBDIR; out of tree they are unset and the defaults apply.
  if(ARG_OUTPUT_DIRECTORY)
    set(output_dir ${ARG_OUTPUT_DIRECTORY})
  elseif(MODELPUSHER_PLUGIN_OUTPUT_DIR)
    set(output_dir ${MODELPUSHER_PLUGIN_OUTPUT_DIR})
  else()
    set(output_dir ${CMAKE_BINARY_DIR}/plugins)
  endif()
  if(ARG_INSTALL_DESTINATION)
    set(install_dir ${ARG_INSTALL_DESTINATION})
  elseif(MODELPUSHER_PLUGIN_SUBDIR)
    set(install_dir ${MODELPUSHER_PLUGIN_SUBDIR})
  else()
    set(install_dir ${CMAKE_INSTALL_LIBDIR}/modelpusher/plugins)
  endif()
  set(rpath "$ORIGIN/../..")
  if(MODELPUSHER_LIBRARY_DIR)  # set by modelpusherConfig.cmake
    list(APPEND rpath ${MODELPUSHER_LIBRARY_DIR})
  endif()

  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE modelpusher::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${output_dir}
    INSTALL_RPATH "${rpath}")
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${install_dir})
  endif()
endfunction()
