# mbert_target_triple(<out-var>): the mbert-compile --target for the toolchain of the project that
# calls it, from the variables CMake's platform files and toolchain files set:
#   Linux on x86_64 / aarch64                 x86_64-linux-gnu / aarch64-linux-gnu (host or cross)
#   Android (NDK toolchain file), ABI         arm64-v8a -> aarch64-linux-android,
#                                             x86_64 (emulator) -> x86_64-linux-android
#   iOS (CMAKE_SYSTEM_NAME iOS), arm64        arm64-apple-ios (devices only, not the simulator)
# Anything else is a FATAL_ERROR that names what was seen. Kept apart from mbertConfig.cmake so
# that it can be called in script mode (cmake -P), which is how the test checks the Android and iOS
# mappings on a machine without their SDKs.
function(mbert_target_triple out_var)
  set(system "${CMAKE_SYSTEM_NAME}")
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" processor)
  if(system STREQUAL "Android")
    # The NDK's toolchain file sets ANDROID_ABI; CMake's own Android support CMAKE_ANDROID_ARCH_ABI.
    set(abi "${CMAKE_ANDROID_ARCH_ABI}")
    if(NOT abi)
      set(abi "${ANDROID_ABI}")
    endif()
    if(abi STREQUAL "arm64-v8a")
      set(triple aarch64-linux-android)
    elseif(abi STREQUAL "x86_64")
      set(triple x86_64-linux-android)
    else()
      message(FATAL_ERROR "mbert: Android ABI '${abi}' is not supported; build for arm64-v8a "
                          "(devices) or x86_64 (emulator), e.g. abiFilters 'arm64-v8a' in Gradle")
    endif()
  elseif(system STREQUAL "iOS")
    set(architectures "${CMAKE_OSX_ARCHITECTURES}")
    if(NOT architectures)
      set(architectures arm64)
    endif()
    if(NOT architectures STREQUAL "arm64")
      message(FATAL_ERROR "mbert: iOS architectures '${architectures}' are not supported; "
                          "set CMAKE_OSX_ARCHITECTURES to arm64 (one model object per build)")
    endif()
    if(CMAKE_OSX_SYSROOT MATCHES "[Ss]imulator")
      message(FATAL_ERROR "mbert: the iOS simulator is not supported, only devices "
                          "(CMAKE_OSX_SYSROOT is '${CMAKE_OSX_SYSROOT}')")
    endif()
    set(triple arm64-apple-ios)
  elseif(system STREQUAL "Linux")
    if(processor MATCHES "^(x86_64|amd64)$")
      set(triple x86_64-linux-gnu)
    elseif(processor MATCHES "^(aarch64|arm64)$")
      set(triple aarch64-linux-gnu)
    else()
      message(FATAL_ERROR "mbert: Linux on '${CMAKE_SYSTEM_PROCESSOR}' is not supported "
                          "(x86_64 and aarch64 are)")
    endif()
  else()
    message(FATAL_ERROR "mbert: no mbert-compile target for CMAKE_SYSTEM_NAME '${system}' "
                        "(Linux, Android and iOS are supported); pass TARGET <triple> to "
                        "mbert_add_model to choose one yourself")
  endif()
  set(${out_var} "${triple}" PARENT_SCOPE)
endfunction()
