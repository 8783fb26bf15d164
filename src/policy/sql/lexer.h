// policy/sql/lexer.h
//
// Splits PostgreSQL SQL text (the subset policies are written in) into tokens. Keywords
// are plain identifiers here; the parser decides what a word means. Unquoted identifiers
// are lower-cased as PostgreSQL folds them; "quoted" ones are kept exactly.
//
// Refused: bind parameters ($1), bit and national strings, U&"..." identifiers, NUL
// characters, and any character PostgreSQL's operators do not use.
//
// Thread-safety: pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tb::policy::sql {

enum class TokenKind {
  kIdentifier,        // unquoted word, lower-cased; also every keyword
  kQuotedIdentifier,  // "Word", quotes removed and "" unescaped
  kString,            // '...', E'...' or $tag$...$tag$, value unescaped
  kNumber,            // 42, 4.2, .5, 1e-3 (as written)
  kOperator,          // = <> != < > <= >= || + - * / % ^ :: -> ->> #> #>> @> <@ && ~~ ...
  kPunctuation,       // ( ) [ ] , . ;
  kEnd,               // end of input
  kError,             // the text cannot be split past this point; `text` is the message
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;        // the value (see TokenKind); for kError the full error message
  int line = 1;            // 1-based position of the token's first character
  int column = 1;          // 1-based, counted in characters (UTF-8 code points)
  std::size_t offset = 0;  // byte range of the token in the source text
  std::size_t end = 0;
};

// Tokenizes `text`. The result always ends with exactly one kEnd token, or with one kError
// token (message like "unterminated quoted string at line 2, column 7") when the text
// cannot be tokenized past that point; the tokens before it are valid. Reporting the
// error as a token lets the parser name an earlier problem (an unsupported statement)
// first.
std::vector<Token> Tokenize(std::string_view text);

// True for a kIdentifier token spelling `keyword` (lower-case). Quoted identifiers are
// never keywords.
bool IsKeyword(const Token& token, std::string_view keyword);

}  // namespace tb::policy::sql
