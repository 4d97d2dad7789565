# Embed a file in the binary: cmake -DIN=file -DOUT=file.c -DNAME=symbol -P kc_embed.cmake
# writes `const unsigned char NAME[]` (the bytes, then a NUL) and `const size_t NAME_len` (without
# the NUL). Run at build time (add_custom_command), so the file in the repository stays the one
# source: the admin page (proxy/admin/timeline.html) is edited as HTML, never as a C string.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
# 16 bytes a line, so the generated file stays readable.
set(bytes "")
set(at 0)
while(at LESS n)
  string(SUBSTRING "${hex}" ${at} 32 line)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," line "${line}")
  string(APPEND bytes "    ${line}\n")
  math(EXPR at "${at} + 32")
endwhile()
file(WRITE "${OUT}"
  "/* Generated from ${IN} by cmake/kc_embed.cmake: do not edit. */\n"
  "#include <stddef.h>\n\n"
  "const unsigned char ${NAME}[] = {\n${bytes}    0x00};\n"
  "const size_t ${NAME}_len = ${len};\n")
