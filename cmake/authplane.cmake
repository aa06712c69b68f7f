# Shared build helpers: warnings, sanitizers, one-call library and test definitions.

add_library(authplane_options INTERFACE)
target_compile_options(authplane_options INTERFACE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
if(AUTHPLANE_SANITIZE)
  target_compile_options(authplane_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(authplane_options INTERFACE -fsanitize=address,undefined)
endif()

# authplane_library(<name> DIR <dir> [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# A component: include/ is public, src/*.cpp are the sources.
function(authplane_library name)
  cmake_parse_arguments(A "" "" "PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${A_PUBLIC_DEPS} PRIVATE authplane_options ${A_PRIVATE_DEPS})
endfunction()

# authplane_test(<name> SOURCES ... LIBS ...): one gtest executable, one ctest entry.
function(authplane_test name)
  if(NOT AUTHPLANE_TESTS)
    return()
  endif()
  cmake_parse_arguments(A "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE authplane_options ${A_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT 300 ENVIRONMENT "AUTHPLANE_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
