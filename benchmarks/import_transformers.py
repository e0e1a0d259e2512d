"""Which Hugging Face architectures import through ``from_torch``, and how close the network is to torch.

    python benchmarks/import_transformers.py [NAME ...]

Needs torch, onnx and transformers (``pip install torch transformers '.[onnx]'``), none of them test
dependencies: without them the script says so and exits with status 2. Each model is a small random configuration
(hidden size 32, two layers, seed 0; convolutions and linear layers take torch's default initialisation, so that
the small vision models' activations do not vanish as with Hugging Face's 0.02 spread), fed token ids
(``input_ids`` (2, 8) of a 100-token vocabulary: the text models; encoder-decoders take them as
``decoder_input_ids`` too), ``pixel_values`` (2, 3, 32, 32) (the vision
ones) or audio (wav2vec2's samples, Whisper's mel features), wrapped to return ``last_hidden_state``. Prints, per model,
the import time, the layer count and max |network - torch| / max |torch| on the example (float64 network, float32
torch), or the error the import raised.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from model_names import wanted_names  # this script's folder is on the path

H = 32
"""hidden size of every text model"""


def _text_models(T):
    small = {"num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "vocab_size": 100,
             "max_position_embeddings": 40}
    decoder = {**small, "num_key_value_heads": 2}  # grouped-query attention
    return {
        "bert": lambda: T.BertModel(T.BertConfig(hidden_size=H, **small)),
        "distilbert": lambda: T.DistilBertModel(T.DistilBertConfig(dim=H, n_layers=2, n_heads=4, hidden_dim=64,
                                                                    vocab_size=100, max_position_embeddings=40)),
        "roberta": lambda: T.RobertaModel(T.RobertaConfig(hidden_size=H, **small)),
        "electra": lambda: T.ElectraModel(T.ElectraConfig(hidden_size=H, embedding_size=H, **small)),
        "albert": lambda: T.AlbertModel(T.AlbertConfig(hidden_size=H, embedding_size=H, **small)),
        "mobilebert": lambda: T.MobileBertModel(T.MobileBertConfig(hidden_size=H, embedding_size=H,
                                                                   intra_bottleneck_size=16, **small)),
        "t5-encoder": lambda: T.T5EncoderModel(T.T5Config(d_model=H, num_layers=2, num_heads=4, d_kv=8, d_ff=64,
                                                          vocab_size=100)),
        "gpt2": lambda: T.GPT2Model(T.GPT2Config(n_embd=H, n_layer=2, n_head=4, vocab_size=100, n_positions=40)),
        "gpt-neox": lambda: T.GPTNeoXModel(T.GPTNeoXConfig(hidden_size=H, **small)),
        "opt": lambda: T.OPTModel(T.OPTConfig(hidden_size=H, num_hidden_layers=2, num_attention_heads=4, ffn_dim=64,
                                              vocab_size=100, max_position_embeddings=40, word_embed_proj_dim=H)),
        "phi": lambda: T.PhiModel(T.PhiConfig(hidden_size=H, **small)),
        "falcon": lambda: T.FalconModel(T.FalconConfig(hidden_size=H, num_hidden_layers=2, num_attention_heads=4,
                                                       vocab_size=100)),
        "bloom": lambda: T.BloomModel(T.BloomConfig(hidden_size=H, n_layer=2, n_head=4, vocab_size=100)),
        "llama": lambda: T.LlamaModel(T.LlamaConfig(hidden_size=H, **decoder)),
        "mistral": lambda: T.MistralModel(T.MistralConfig(hidden_size=H, **decoder)),
        "qwen2": lambda: T.Qwen2Model(T.Qwen2Config(hidden_size=H, **decoder)),
        "gemma": lambda: T.GemmaModel(T.GemmaConfig(hidden_size=H, head_dim=8, **{**decoder,
                                                                                   "num_key_value_heads": 1})),
        "gemma2": lambda: T.Gemma2Model(T.Gemma2Config(hidden_size=H, head_dim=8, sliding_window=4, **decoder)),
        "qwen3": lambda: T.Qwen3Model(T.Qwen3Config(hidden_size=H, head_dim=8, **decoder)),
        "stablelm": lambda: T.StableLmModel(T.StableLmConfig(hidden_size=H, **decoder)),
        "phi3": lambda: T.Phi3Model(T.Phi3Config(hidden_size=H, pad_token_id=0, **decoder)),
        "gpt-j": lambda: T.GPTJModel(T.GPTJConfig(n_embd=H, n_layer=2, n_head=4, rotary_dim=4, n_positions=40,
                                                  vocab_size=100)),
        "codegen": lambda: T.CodeGenModel(T.CodeGenConfig(n_embd=H, n_layer=2, n_head=4, rotary_dim=4, n_positions=40,
                                                          n_ctx=40, vocab_size=100)),
        "mpt": lambda: T.MptModel(T.MptConfig(d_model=H, n_layers=2, n_heads=4, expansion_ratio=2, max_seq_len=40,
                                              vocab_size=100)),
        "mamba": lambda: T.MambaModel(T.MambaConfig(hidden_size=H, num_hidden_layers=2, state_size=4,
                                                    vocab_size=100)),
        # mixtures of experts (4 experts, 2 per token), imported densely (docs/networks.md)
        "mixtral": lambda: T.MixtralModel(T.MixtralConfig(hidden_size=H, num_local_experts=4, num_experts_per_tok=2,
                                                          **decoder)),
        "qwen2-moe": lambda: T.Qwen2MoeModel(T.Qwen2MoeConfig(hidden_size=H, num_experts=4, num_experts_per_tok=2,
                                                              moe_intermediate_size=32,
                                                              shared_expert_intermediate_size=64, **decoder)),
        "qwen3-moe": lambda: T.Qwen3MoeModel(T.Qwen3MoeConfig(hidden_size=H, num_experts=4, num_experts_per_tok=2,
                                                              moe_intermediate_size=32, head_dim=8, **decoder)),
        "olmoe": lambda: T.OlmoeModel(T.OlmoeConfig(hidden_size=H, num_experts=4, num_experts_per_tok=2, **decoder)),
        "gpt-oss": lambda: T.GptOssModel(T.GptOssConfig(hidden_size=H, num_local_experts=4, num_experts_per_tok=2,
                                                        head_dim=8, layer_types=["full_attention"] * 2, **decoder)),
        "granite-moe": lambda: T.GraniteMoeModel(T.GraniteMoeConfig(hidden_size=H, num_local_experts=4,
                                                                    num_experts_per_tok=2, **decoder)),
        "phimoe": lambda: T.PhimoeModel(T.PhimoeConfig(hidden_size=H, num_local_experts=4, num_experts_per_tok=2,
                                                       **decoder)),
        "glm4-moe": lambda: T.Glm4MoeModel(T.Glm4MoeConfig(
            hidden_size=H, n_routed_experts=4, num_experts_per_tok=2, moe_intermediate_size=32, first_k_dense_replace=0,
            n_group=1, topk_group=1, head_dim=8, **decoder)),
        "hunyuan-moe": lambda: T.HunYuanMoEV1Model(T.HunYuanMoEV1Config(hidden_size=H, num_experts=4, moe_topk=2,
                                                                        head_dim=8, **decoder)),
        "jamba": lambda: T.JambaModel(T.JambaConfig(  # Mamba and attention layers, experts on every layer
            hidden_size=H, num_experts=4, num_experts_per_tok=2, expert_layer_period=1, expert_layer_offset=0,
            attn_layer_period=1, attn_layer_offset=0, mamba_d_state=4, mamba_dt_rank=4, use_mamba_kernels=False,
            **decoder)),
        "minimax": lambda: T.MiniMaxModel(T.MiniMaxConfig(hidden_size=H, num_local_experts=4, num_experts_per_tok=2,
                                                          head_dim=8, layer_types=["full_attention"] * 2, **decoder)),
        "deepseek-v3": lambda: T.DeepseekV3Model(T.DeepseekV3Config(  # grouped routing, latent attention
            hidden_size=H, n_routed_experts=4, num_experts_per_tok=2, moe_intermediate_size=32, n_group=2,
            topk_group=1, first_k_dense_replace=0, q_lora_rank=16, kv_lora_rank=16, qk_rope_head_dim=8,
            qk_nope_head_dim=8, v_head_dim=8, **{**decoder, "num_key_value_heads": 4})),
    }


AUTO_TEXT = ("gemma3_text", "cohere", "cohere2", "helium", "ernie4_5", "ernie4_5_moe", "glm", "glm4", "apertus", "olmo",
             "olmo2", "olmo3", "granite", "starcoder2", "nemotron", "smollm3", "exaone4", "seed_oss", "arcee", "lfm2",
             "doge", "hunyuan_v1_dense", "bitnet", "vaultgemma", "diffllama", "persimmon", "gpt_bigcode",
             "recurrent_gemma", "modernbert", "xlm-roberta", "qwen3_next", "qwen3_5_text", "olmo_hybrid", "lara_mini")
"""text models built from their model type's default configuration with the small sizes of :func:`_auto_text`"""


SMALL_TEXT = {"hidden_size": H, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "head_dim": 8, "intermediate_size": 64, "vocab_size": 100, "max_position_embeddings": 40,
              "pad_token_id": 0, "use_cache": False}
"""a text model type's defaults but for these (:func:`_auto_text`)"""


def _auto_text(T, names=AUTO_TEXT):
    """the :data:`AUTO_TEXT` models, or those of the model types ``names`` (``AutoConfig.for_model``: defaults but
    for hidden size 32, two layers, four heads of 8, two key and value heads, a 100-token vocabulary, no cache)"""
    return {name: lambda name=name: T.AutoModel.from_config(T.AutoConfig.for_model(name, **SMALL_TEXT))
            for name in names}


def _vision_models(T):
    vit = {"hidden_size": H, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
           "image_size": 32, "patch_size": 8}
    return {
        "vit": lambda: T.ViTModel(T.ViTConfig(**vit)),
        "deit": lambda: T.DeiTModel(T.DeiTConfig(**vit)),
        "swin": lambda: T.SwinModel(T.SwinConfig(image_size=32, patch_size=4, embed_dim=16, depths=[1, 1],
                                                 num_heads=[2, 2], window_size=4)),
        "convnext": lambda: T.ConvNextModel(T.ConvNextConfig(hidden_sizes=[16, 32], depths=[1, 1], num_stages=2)),
        "resnet": lambda: T.ResNetModel(T.ResNetConfig(embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1],
                                                       layer_type="basic")),
        "regnet": lambda: T.RegNetModel(T.RegNetConfig(embedding_size=16, hidden_sizes=[16, 32], depths=[1, 1],
                                                       groups_width=8)),
        "mobilenet-v2": lambda: T.MobileNetV2Model(T.MobileNetV2Config(image_size=32, depth_multiplier=0.35)),
        "segformer": lambda: T.SegformerModel(T.SegformerConfig(
            num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1], hidden_sizes=[16, 32], num_attention_heads=[1, 2],
            patch_sizes=[7, 3], strides=[4, 2], mlp_ratios=[2, 2])),
        "levit": lambda: T.LevitModel(T.LevitConfig(
            image_size=32, hidden_sizes=[32, 48], num_attention_heads=[2, 3], depths=[1, 1], key_dim=[8, 8],
            mlp_ratio=[2, 2], attention_ratio=[2, 2], down_ops=[["Subsample", 8, 2, 4, 2, 2]])),
        "mobilevit": lambda: T.MobileViTModel(T.MobileViTConfig(image_size=32, hidden_sizes=[16, 24, 32],
                                                                neck_hidden_sizes=[8, 8, 16, 16, 24, 24, 32])),
    }


def _other_models(T):
    """(factory, input keyword, example shape): speech, and vision models fed pixels of other sizes"""
    small = {"hidden_size": H, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64}
    vit = {**small, "image_size": 32, "patch_size": 8}
    seq2seq = {"d_model": H, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 4,
               "decoder_attention_heads": 4, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "vocab_size": 100,
               "max_position_embeddings": 40}
    both = ("input_ids", "decoder_input_ids")  # the ids fed to encoder and decoder alike
    return {
        "bart": (lambda: T.BartModel(T.BartConfig(**seq2seq)), both, (2, 8)),
        "marian": (lambda: T.MarianModel(T.MarianConfig(**seq2seq, pad_token_id=0, decoder_start_token_id=0)), both,
                   (2, 8)),
        "t5": (lambda: T.T5Model(T.T5Config(d_model=H, num_layers=1, num_decoder_layers=1, num_heads=4, d_kv=8,
                                            d_ff=64, vocab_size=100)), both, (2, 8)),
        "wav2vec2": (lambda: T.Wav2Vec2Model(T.Wav2Vec2Config(
            **small, conv_dim=(16, 16), conv_stride=(5, 2), conv_kernel=(10, 3), num_conv_pos_embeddings=16,
            num_conv_pos_embedding_groups=4)), "input_values", (2, 400)),
        "whisper-encoder": (lambda: T.WhisperModel(T.WhisperConfig(
            d_model=H, encoder_layers=2, decoder_layers=1, encoder_attention_heads=4, decoder_attention_heads=4,
            encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=8, max_source_positions=16)).encoder,
            "input_features", (2, 8, 32)),
        "clip-vision": (lambda: T.CLIPVisionModel(T.CLIPVisionConfig(**vit)), "pixel_values", (2, 3, 32, 32)),
        "beit": (lambda: T.BeitModel(T.BeitConfig(**vit, use_relative_position_bias=True)), "pixel_values",
                 (2, 3, 32, 32)),
        "dinov2": (lambda: T.Dinov2Model(T.Dinov2Config(**{**vit, "intermediate_size": None}, mlp_ratio=2)),
                   "pixel_values", (2, 3, 32, 32)),
        "deberta-v2": (lambda: T.DebertaV2Model(T.DebertaV2Config(**small, vocab_size=100, max_position_embeddings=40)),
                       "input_ids", (2, 8)),
        "poolformer": (lambda: T.PoolFormerModel(T.PoolFormerConfig(
            hidden_sizes=[16, 32], depths=[1, 1], num_encoder_blocks=2, patch_sizes=[7, 3], strides=[4, 2],
            padding=[2, 1])), "pixel_values", (2, 3, 32, 32)),
    }


def _wrapped(torch, model, keyword: str | tuple[str, ...]):
    keywords = (keyword,) if isinstance(keyword, str) else keyword

    class Wrapped(torch.nn.Module):
        """the model fed through ``keywords``, returning its last hidden state"""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(**dict.fromkeys(keywords, x)).last_hidden_state

    return Wrapped().eval()


def main() -> int:
    try:
        import torch
        import transformers
        from cimsim.network.torch_import import from_torch
    except ImportError as exc:
        print(f"needs torch, onnx and transformers ({exc}): pip install torch transformers '.[onnx]'")
        return 2
    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    models = {**{k: (f, "input_ids", (2, 8)) for k, f in {**_text_models(transformers),
                                                            **_auto_text(transformers)}.items()},
              **{k: (f, "pixel_values", (2, 3, 32, 32)) for k, f in _vision_models(transformers).items()},
              **_other_models(transformers)}
    wanted = wanted_names(__doc__, models) or list(models)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")
    print("| model | import s | layers | max abs. torch output | max rel. error vs torch |")
    print("|---|---:|---:|---:|---|")
    for name in wanted:
        torch.manual_seed(0)
        factory, keyword, shape = models[name]
        model = factory().eval()
        for layer in model.modules():
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
                layer.reset_parameters()
        wrapped = _wrapped(torch, model, keyword)
        rng = np.random.default_rng(0)
        x = rng.integers(0, 100, shape) if "input_ids" in keyword else rng.standard_normal(shape).astype(np.float32)
        start = time.perf_counter()
        try:
            net = from_torch(wrapped, x)  # before any forward pass of the model's own (LeViT caches in eval mode)
        except ValueError as exc:
            print(f"| {name} | | | | refused: {str(exc)[:160]} |")
            continue
        seconds = time.perf_counter() - start
        with torch.no_grad():
            want = wrapped(torch.as_tensor(x)).numpy().astype(np.float64)
        scale = np.abs(want).max()
        error = np.abs(net.forward(x.astype(np.float64)) - want).max() / max(scale, 1e-300)
        print(f"| {name} | {seconds:.1f} | {len(net.layers)} | {scale:.1e} | {error:.1e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
