# Cross-compiling small C libraries and executables with a second compiler (e.g.
# aarch64-linux-gnu-gcc) inside the host build. CMake supports one C compiler per build, so these
# helpers drive the cross compiler through custom commands; depfiles keep them incremental.
#
#   mbert_add_cross_c_library(<target> COMPILER <cc> ARCHIVER <ar> OUTPUT <lib.a>
#                             SOURCES <...> [INCLUDE_DIRS <...>] [FLAGS <...>])
#   mbert_add_cross_c_executable(<target> COMPILER <cc> OUTPUT <exe>
#                                SOURCES <...> [INCLUDE_DIRS <...>] [FLAGS <...>]
#                                [LINK_LIBRARIES <targets from mbert_add_cross_c_library>]
#                                [LINK_OPTIONS <...>])
#
# Both create a custom target <target>, built by default, whose MBERT_CROSS_OUTPUT property holds
# the produced file. Executables are linked statically so qemu runs them without a sysroot.

# The depfiles name absolute paths, which Ninja reads the same under either setting; choosing
# NEW only silences the warning in projects that require CMake < 3.20. Functions record the
# policies in effect where they are defined.
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW)
endif()

# Compiles `SOURCES` into `OBJECT_DIR` and returns the object paths in `out_objects`.
function(_mbert_cross_compile_objects out_objects)
  cmake_parse_arguments(ARG "" "TARGET;COMPILER;OBJECT_DIR" "SOURCES;INCLUDE_DIRS;FLAGS" ${ARGN})
  set(include_flags)
  foreach(dir IN LISTS ARG_INCLUDE_DIRS)
    list(APPEND include_flags "-I${dir}")
  endforeach()
  set(objects)
  foreach(source IN LISTS ARG_SOURCES)
    get_filename_component(source_path "${source}" ABSOLUTE)
    get_filename_component(source_name "${source}" NAME)
    set(object "${ARG_OBJECT_DIR}/${source_name}.o")
    add_custom_command(
      OUTPUT "${object}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${ARG_OBJECT_DIR}"
      COMMAND "${ARG_COMPILER}" ${ARG_FLAGS} ${include_flags}
              -MD -MF "${object}.d" -MT "${object}" -c "${source_path}" -o "${object}"
      DEPENDS "${source_path}"
      DEPFILE "${object}.d"
      COMMENT "Cross-compiling ${ARG_TARGET}: ${source_name}"
      VERBATIM)
    list(APPEND objects "${object}")
  endforeach()
  set(${out_objects} "${objects}" PARENT_SCOPE)
endfunction()

function(mbert_add_cross_c_library target)
  cmake_parse_arguments(ARG "" "COMPILER;ARCHIVER;OUTPUT" "SOURCES;INCLUDE_DIRS;FLAGS" ${ARGN})
  _mbert_cross_compile_objects(objects
    TARGET ${target} COMPILER "${ARG_COMPILER}"
    OBJECT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}.dir"
    SOURCES ${ARG_SOURCES} INCLUDE_DIRS ${ARG_INCLUDE_DIRS} FLAGS ${ARG_FLAGS})
  get_filename_component(output_dir "${ARG_OUTPUT}" DIRECTORY)
  # `ar r` would keep members of objects that no longer exist, so start from an empty archive.
  add_custom_command(
    OUTPUT "${ARG_OUTPUT}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${output_dir}"
    COMMAND "${CMAKE_COMMAND}" -E rm -f "${ARG_OUTPUT}"
    COMMAND "${ARG_ARCHIVER}" rcs "${ARG_OUTPUT}" ${objects}
    DEPENDS ${objects}
    COMMENT "Archiving ${ARG_OUTPUT}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${ARG_OUTPUT}")
  set_target_properties(${target} PROPERTIES MBERT_CROSS_OUTPUT "${ARG_OUTPUT}")
endfunction()

function(mbert_add_cross_c_executable target)
  cmake_parse_arguments(ARG "" "COMPILER;OUTPUT"
    "SOURCES;INCLUDE_DIRS;FLAGS;LINK_LIBRARIES;LINK_OPTIONS" ${ARGN})
  _mbert_cross_compile_objects(objects
    TARGET ${target} COMPILER "${ARG_COMPILER}"
    OBJECT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}.dir"
    SOURCES ${ARG_SOURCES} INCLUDE_DIRS ${ARG_INCLUDE_DIRS} FLAGS ${ARG_FLAGS})
  set(library_files)
  foreach(library IN LISTS ARG_LINK_LIBRARIES)
    get_target_property(library_file ${library} MBERT_CROSS_OUTPUT)
    list(APPEND library_files "${library_file}")
  endforeach()
  get_filename_component(output_dir "${ARG_OUTPUT}" DIRECTORY)
  add_custom_command(
    OUTPUT "${ARG_OUTPUT}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${output_dir}"
    COMMAND "${ARG_COMPILER}" -static ${objects} ${ARG_LINK_OPTIONS} ${library_files} -lm
            -o "${ARG_OUTPUT}"
    DEPENDS ${objects} ${library_files}
    COMMENT "Linking ${ARG_OUTPUT}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${ARG_OUTPUT}")
  # The file-level dependency alone does not order builds across directories in Makefiles.
  if(ARG_LINK_LIBRARIES)
    add_dependencies(${target} ${ARG_LINK_LIBRARIES})
  endif()
  set_target_properties(${target} PROPERTIES MBERT_CROSS_OUTPUT "${ARG_OUTPUT}")
endfunction()
