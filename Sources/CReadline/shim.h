// GNU readline for the interactive `swzk client` shell (Debian: libreadline-dev).
// Swift reaches readline's global variables through these small inline helpers, which keeps
// the Swift side free of shared mutable C state.
#include <stdio.h>
#include <stdlib.h>
#include <readline/readline.h>
#include <readline/history.h>

/// Installs the completion hook and leaves SIGINT to the caller (Ctrl-C clears the line).
static inline void swzk_rl_setup(rl_completion_func_t *completer) {
    rl_readline_name = "swzk";
    rl_attempted_completion_function = completer;
    rl_catch_signals = 0;
    rl_catch_sigwinch = 1;
}

/// Called inside the completion hook: no filename fallback, and the character appended after a
/// unique match (0 for none, so a znode path can be continued with `/`).
static inline void swzk_rl_completion_options(int append_character) {
    rl_attempted_completion_over = 1;
    rl_completion_append_character = append_character;
}

/// The whole line being edited.
static inline const char *swzk_rl_line_buffer(void) { return rl_line_buffer; }

/// Prints `text` (to stderr when `to_stderr`, else stdout) above the line being edited, then
/// redraws the prompt and the line as it was.
static inline void swzk_rl_print_above(const char *text, int to_stderr) {
    rl_clear_visible_line();
    fflush(stdout);
    FILE *stream = to_stderr ? stderr : stdout;
    fputs(text, stream);
    fflush(stream);
    rl_on_new_line();
    rl_forced_update_display();
}

/// Ctrl-C: abandons the line being edited and shows a fresh, empty prompt.
static inline void swzk_rl_interrupt(void) {
    rl_free_line_state();
    rl_replace_line("", 0);
    rl_point = 0;
    rl_end = 0;
    rl_mark = 0;
    fputs("^C\n", stdout);
    fflush(stdout);
    rl_on_new_line();
    rl_forced_update_display();
}
