# modelpusher_add_plugin(<target> SOURCES <files...> [LIBRARIES <libs...>])
#
# Builds a plugin shared object that links the core library and lands in the plugin folder
# the CLI searches by default. Only the entry point is exported.
function(modelpusher_add_plugin target)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE modelpusher::core ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${MODELPUSHER_PLUGIN_OUTPUT_DIR}
    INSTALL_RPATH "$ORIGIN/../..")
  install(TARGETS ${target} LIBRARY DESTINATION ${MODELPUSHER_PLUGIN_SUBDIR})
endfunction()
