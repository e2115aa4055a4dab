"""Output activations of the generator, one per span of the codec's layout."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class SpanActivation(nn.Module):
    """Apply each span's activation to a flat output: identity for ``"linear"`` spans and a
    Gumbel-softmax for ``"softmax"`` spans (a differentiable, nearly one-hot draw of a category).

    Spans of one width are processed together, so the cost does not grow with the number of columns.

    Parameters
    ----------
    spans : sequence of objects with ``width`` and ``activation``
        The codec's output layout.
    tau : float, default=0.2
        Gumbel-softmax temperature; smaller is closer to one-hot.
    """

    def __init__(self, spans: Sequence, tau: float = 0.2) -> None:
        super().__init__()
        self.tau = tau
        groups, offset = {}, 0
        for span in spans:
            if span.activation == "softmax":
                groups.setdefault(span.width, []).append(list(range(offset, offset + span.width)))
            elif span.activation != "linear":
                raise ValueError(f"unknown span activation {span.activation!r}; expected 'linear' or 'softmax'.")
            offset += span.width
        self.widths = sorted(groups)
        self.spans_of_width = [len(groups[width]) for width in self.widths]
        softmax = [i for w in self.widths for row in groups[w] for i in row]
        self.register_buffer("softmax_columns", torch.tensor(softmax, dtype=torch.long), persistent=False)
        self.all_linear = not groups  # then the output is the input, not a copy

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.all_linear:
            return h
        # The softmax columns are gathered once and written back over a copy of h, whose linear columns are then
        # in place: no gathering of the linear columns, and no reordering of the joined parts, forward or backward.
        logits_all = h.index_select(1, self.softmax_columns)
        parts, start = [], 0
        for width, n_spans in zip(self.widths, self.spans_of_width):
            logits = logits_all[:, start:start + n_spans * width].reshape(h.shape[0], n_spans, width).float()
            start += n_spans * width
            # Gumbel(0, 1) noise as -log(-log(U)): the distribution of F.gumbel_softmax's -log(Exp(1)), from
            # uniform draws that cost a third of the exponential ones on the CPU.
            scores = torch.rand_like(logits).log_().neg_().log_().neg_().add_(logits).div_(self.tau)
            parts.append(scores.softmax(dim=-1).to(h.dtype).reshape(h.shape[0], -1))
        return h.index_copy(1, self.softmax_columns, parts[0] if len(parts) == 1 else torch.cat(parts, dim=1))

    def draw(self, h: torch.Tensor) -> torch.Tensor:
        """Rows to decode, not to train on: linear spans as :meth:`forward` gives them, and each softmax span as
        its logits plus Gumbel noise, whose largest entry is the level drawn.

        That is the largest entry of :meth:`forward`'s Gumbel-softmax too (the softmax keeps the order), so the
        levels decoded follow the same distribution, ``softmax(logits)``; the softmax and the gathering and joining
        of each width's spans are left out (a quarter of drawing a table of five categorical columns, with the
        forward of the time, which also reordered the joined copy). ``h`` is written in place when it is float32.
        """
        if self.all_linear:
            return h
        h = h.float()
        columns = self.softmax_columns
        gumbels = torch.rand(h.shape[0], len(columns), device=h.device).log_().neg_().log_().neg_()
        return h.index_add_(1, columns, gumbels)
